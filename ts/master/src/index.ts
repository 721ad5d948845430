// @tessera/master: placeholder until the package lands.
export {};
