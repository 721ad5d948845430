// A TCP proxy on loopback between one client (an agent, a framework) and a
// server (a master), which cuts the link on command — the harness's network
// partition. Deterministic where a network namespace would depend on the
// host's setup, and enough for Tessera: agents and schedulers dial the master,
// never the other way.
//
//   blackhole(): every byte stops where it is, both ways, on the connections
//                that exist and on new ones (accepted, never passed on) — a
//                silent partition: no FIN, no RST, as a pulled cable.
//   heal():      bytes flow again (what waited is delivered, as TCP's
//                retransmissions would), new connections reach the server.
//   cut():       every connection is reset and new ones are refused — a
//                host that went down, or a firewall rejecting.

import { createServer, connect, type Server, type Socket } from 'node:net';

type Mode = 'open' | 'blackhole' | 'cut';

interface Link {
  client: Socket;
  upstream?: Socket;
}

export class TcpProxy {
  private mode: Mode = 'open';
  private readonly links = new Set<Link>();
  /** Connections accepted so far (tests can tell a reconnect happened). */
  accepted = 0;

  private constructor(
    private readonly server: Server,
    /** host:port the client dials instead of the server. */
    readonly address: string,
    private target: string,
  ) {}

  static async start(target: string): Promise<TcpProxy> {
    let proxy!: TcpProxy;
    const server = createServer({ pauseOnConnect: true }, (client) => proxy.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as { port: number }).port;
    proxy = new TcpProxy(server, `127.0.0.1:${port}`, target);
    return proxy;
  }

  /** Points new connections at another server (a restarted master on a new port). */
  retarget(target: string): void {
    this.target = target;
  }

  get state(): Mode {
    return this.mode;
  }

  get connections(): number {
    return this.links.size;
  }

  private accept(client: Socket): void {
    this.accepted++;
    if (this.mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const link: Link = { client };
    this.links.add(link);
    client.on('error', () => undefined);
    client.on('close', () => this.drop(link));
    if (this.mode === 'open') this.dial(link);
    // blackhole: the client sits accepted and paused until heal() dials for it.
  }

  private dial(link: Link): void {
    const [host, port] = splitHostPort(this.target);
    const upstream = connect({ host, port });
    link.upstream = upstream;
    upstream.on('error', () => undefined);
    upstream.on('close', () => this.drop(link));
    // Manual forwarding (not pipe()) so pausing both directions is one call each.
    link.client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => link.client.write(d));
    link.client.on('end', () => upstream.end());
    upstream.on('end', () => link.client.end());
    if (this.mode === 'open') link.client.resume();
    else upstream.pause();
  }

  private drop(link: Link): void {
    if (!this.links.delete(link)) return;
    link.client.destroy();
    link.upstream?.destroy();
  }

  blackhole(): void {
    this.mode = 'blackhole';
    for (const l of this.links) {
      l.client.pause();
      l.upstream?.pause();
    }
  }

  heal(): void {
    this.mode = 'open';
    for (const l of this.links) {
      if (!l.upstream) this.dial(l);
      l.client.resume();
      l.upstream!.resume();
    }
  }

  cut(): void {
    this.mode = 'cut';
    for (const l of [...this.links]) {
      l.client.resetAndDestroy();
      l.upstream?.resetAndDestroy();
      this.drop(l);
    }
  }

  async close(): Promise<void> {
    for (const l of [...this.links]) this.drop(l);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}
