// Master and agent addresses are "host:port" strings (IPv6 hosts in brackets).

const ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

/** Why `address` is not a usable "host:port", or undefined when it is. */
export function addressProblem(address: unknown): string | undefined {
  if (typeof address !== 'string') return `must be a "host:port" string (got ${typeof address})`;
  const match = ADDRESS.exec(address);
  if (!match) return `must be "host:port" (got ${JSON.stringify(address.slice(0, 100))})`;
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return `port must be 1-65535 (got ${port})`;
  return undefined;
}

/** Checks one address or a non-empty list of them; errors name the field. */
export function checkAddresses(field: string, value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new TypeError(`${field}: must name at least one "host:port"`);
  return list.map((address, index) => {
    const problem = addressProblem(address);
    if (problem) throw new TypeError(`${Array.isArray(value) ? `${field}[${index}]` : field}: ${problem}`);
    return address as string;
  });
}
