// Human output: aligned tables, resource amounts people read (0.5 cpus,
// 1.5 GiB), ages ("3m"), and a one-line progress indicator for long waits
// that only animates on a terminal (logs and pipes get plain lines).

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** MiB as a short human amount: 512 MiB, 1.5 GiB, 2 TiB. */
export function mib(value: number): string {
  if (value >= 1024 * 1024) return `${trim(value / (1024 * 1024))} TiB`;
  if (value >= 1024) return `${trim(value / 1024)} GiB`;
  return `${trim(value)} MiB`;
}

export function trim(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1).replace(/\.?0+$/, '');
}

/** Time since an ISO timestamp, coarse: 12s, 4m, 3h, 2d. */
export function age(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const secs = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(secs)) return '-';
  if (secs < 120) return `${secs}s`;
  if (secs < 7200) return `${Math.round(secs / 60)}m`;
  if (secs < 172800) return `${Math.round(secs / 3600)}h`;
  return `${Math.round(secs / 86400)}d`;
}

/** A progress line on stderr, redrawn in place on a TTY; call done() to clear it. */
export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private readonly started = Date.now();
  private text = '';
  private readonly tty = process.stderr.isTTY === true;

  constructor(text: string) {
    this.text = text;
    if (this.tty) {
      this.timer = setInterval(() => this.draw(), 250);
      this.timer.unref();
      this.draw();
    }
  }

  update(text: string): void {
    this.text = text;
    if (this.tty) this.draw();
  }

  private draw(): void {
    const secs = Math.floor((Date.now() - this.started) / 1000);
    const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
    const frame = frames[Math.floor((Date.now() - this.started) / 250) % frames.length];
    process.stderr.write(`\r\x1b[2K${frame} ${this.text} (${secs}s)`);
  }

  done(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty) process.stderr.write('\r\x1b[2K');
  }
}
