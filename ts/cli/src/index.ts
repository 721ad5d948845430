// @tessera/cli: placeholder until the package lands.
export {};
