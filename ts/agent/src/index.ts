// @tessera/agent: placeholder until the package lands.
export {};
