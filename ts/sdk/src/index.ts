// @tessera/sdk: placeholder until the package lands.
export {};
