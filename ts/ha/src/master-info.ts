// What a master publishes in its election znode, as JSON, so agents, the SDK
// and the CLI can reach the leader without asking it anything first. There is
// no MasterInfo message in the protos yet; this is the shape for now.

export interface MasterInfo {
  /** Unique per master process run (a restarted master gets a new id). */
  id: string;
  /** host:port of the gRPC servers (SchedulerService + AgentService). */
  address: string;
  /** host:port of the HTTP server (/state, /health), when it has one. */
  httpAddress?: string;
  hostname?: string;
  version?: string;
}

/** Parses a znode's data; a TypeError names the field that is wrong. */
export function parseMasterInfo(data: Buffer | string, where: string): MasterInfo {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TypeError(`${where}: MasterInfo is not JSON: ${(err as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new TypeError(`${where}: MasterInfo must be a JSON object`);
  const o = json as Record<string, unknown>;
  const str = (field: string, required: boolean): string | undefined => {
    const v = o[field];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v === '') throw new TypeError(`${where}: MasterInfo.${field} must be a non-empty string`);
    return v;
  };
  const info: MasterInfo = { id: str('id', true)!, address: str('address', true)! };
  const httpAddress = str('httpAddress', false);
  const hostname = str('hostname', false);
  const version = str('version', false);
  if (httpAddress !== undefined) info.httpAddress = httpAddress;
  if (hostname !== undefined) info.hostname = hostname;
  if (version !== undefined) info.version = version;
  return info;
}

export function validateMasterInfo(info: MasterInfo): void {
  parseMasterInfo(JSON.stringify(info), 'MasterInfo');
}
