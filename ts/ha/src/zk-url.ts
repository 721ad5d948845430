// Parses the `--zk` flag: zk://host1:port1,host2:port2,.../path, as Mesos
// writes it. Every bad value is a TypeError naming the flag and the part that
// is wrong, thrown before any connection is tried.

export interface ZkUrl {
  /** host:port list for the ZooKeeper client, in the order given. */
  connect: string;
  servers: Array<{ host: string; port: number }>;
  /** Absolute znode path the masters use, without a trailing slash (e.g. '/tessera'). */
  path: string;
}

const DEFAULT_PORT = 2181;

export function parseZkUrl(value: string, flag = '--zk'): ZkUrl {
  const bad = (why: string): TypeError => new TypeError(`${flag}: ${why} (got '${value}'; expected zk://host1:2181,host2:2181/path)`);
  if (typeof value !== 'string' || value.trim() === '') throw bad('must not be empty');
  const s = value.trim();
  if (!s.startsWith('zk://')) throw bad("must start with 'zk://'");
  const rest = s.slice('zk://'.length);
  const slash = rest.indexOf('/');
  if (slash < 0) throw bad('has no znode path after the servers');
  const hostsPart = rest.slice(0, slash);
  let path = rest.slice(slash);
  // Credentials (zk://user:pass@...) would need digest auth and ACLs on our
  // znodes; refuse them rather than silently connecting unauthenticated.
  if (hostsPart.includes('@')) throw bad('credentials (user:password@) are not supported yet');
  if (hostsPart === '') throw bad('lists no servers');
  const servers = hostsPart.split(',').map((hp, i) => {
    if (hp === '') throw bad(`server ${i + 1} is empty`);
    let host = hp;
    let portText: string | undefined;
    if (hp.startsWith('[')) {
      // IPv6 literal: [::1]:2181
      const close = hp.indexOf(']');
      if (close < 0) throw bad(`server ${i + 1} '${hp}' has an unclosed '['`);
      host = hp.slice(1, close);
      const after = hp.slice(close + 1);
      if (after !== '') {
        if (!after.startsWith(':')) throw bad(`server ${i + 1} '${hp}' has junk after ']'`);
        portText = after.slice(1);
      }
    } else {
      const colon = hp.lastIndexOf(':');
      if (colon >= 0) {
        host = hp.slice(0, colon);
        portText = hp.slice(colon + 1);
      }
    }
    if (host === '') throw bad(`server ${i + 1} '${hp}' has no host`);
    if (!/^[A-Za-z0-9._:-]+$/.test(host)) throw bad(`server ${i + 1} host '${host}' has characters a host name cannot have`);
    let port = DEFAULT_PORT;
    if (portText !== undefined) {
      if (!/^[0-9]{1,5}$/.test(portText)) throw bad(`server ${i + 1} '${hp}' has port '${portText}', not a number`);
      port = Number(portText);
      if (port < 1 || port > 65535) throw bad(`server ${i + 1} '${hp}' has port ${port}, outside 1..65535`);
    }
    return { host, port };
  });
  if (path.length > 1 && path.endsWith('/')) path = path.replace(/\/+$/, '');
  if (path === '/') throw bad("path must name a znode below the root (e.g. '/tessera'), not '/'");
  for (const part of path.slice(1).split('/')) {
    if (part === '') throw bad(`path '${path}' has an empty component ('//')`);
    if (part === '.' || part === '..') throw bad(`path '${path}' has a '${part}' component, which ZooKeeper refuses`);
    if (part === 'zookeeper' && path.startsWith('/zookeeper')) throw bad("path must not be under '/zookeeper' (reserved by ZooKeeper)");
  }
  const connect = servers.map((sv) => (sv.host.includes(':') ? `[${sv.host}]:${sv.port}` : `${sv.host}:${sv.port}`)).join(',');
  return { connect, servers, path };
}
