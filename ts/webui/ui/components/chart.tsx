// Small hand-written SVG charts: time on x, values on y, lines or stacked
// areas. Scaled through the viewBox, so they fill their box at any width.

export interface Series {
  name: string;
  /** [time in ms, value] pairs, in time order. */
  points: Array<[number, number]>;
}

export interface ChartProps {
  title: string;
  series: Series[];
  /** Stack the series as areas (parts of a whole) instead of lines. */
  stacked?: boolean;
  /** Fixed top of the y axis (e.g. 100 for percentages); else the data's max. */
  yMax?: number;
  format?: (v: number) => string;
  testId?: string;
}

const W = 600;
const H = 180;
const PAD = { left: 44, right: 8, top: 8, bottom: 20 };
const COLORS = ['#4f7cff', '#2bb673', '#f5a524', '#e5484d', '#9b6bff', '#13b5c8', '#ff7ab8', '#8d9aa5'];

export function colorOf(i: number): string {
  return COLORS[i % COLORS.length]!;
}

export function Chart({ title, series, stacked = false, yMax, format = (v) => v.toFixed(1), testId }: ChartProps) {
  const times = series.flatMap((s) => s.points.map((p) => p[0]));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  // Stacked: each series sits on the sum of those before it, per time.
  const bases = new Map<number, number>();
  const drawn = series.map((s) =>
    s.points.map(([t, v]) => {
      const base = stacked ? (bases.get(t) ?? 0) : 0;
      if (stacked) bases.set(t, base + v);
      return [t, base, base + v] as const;
    }),
  );
  const top = yMax ?? Math.max(1e-9, ...drawn.flatMap((pts) => pts.map((p) => p[2])));
  const x = (t: number): number => PAD.left + (t1 > t0 ? ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right) : 0);
  const y = (v: number): number => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom);
  const empty = times.length < 2;
  return (
    <figure class="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      {empty ? (
        <div class="chart-empty">Collecting samples…</div>
      ) : (
        <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={title}>
          {[0, 0.5, 1].map((f) => (
            <g>
              <line x1={PAD.left} x2={W - PAD.right} y1={y(top * f)} y2={y(top * f)} class="grid" />
              <text x={PAD.left - 4} y={y(top * f) + 4} class="tick" text-anchor="end">
                {format(top * f)}
              </text>
            </g>
          ))}
          <text x={PAD.left} y={H - 4} class="tick">
            {new Date(t0).toLocaleTimeString()}
          </text>
          <text x={W - PAD.right} y={H - 4} class="tick" text-anchor="end">
            {new Date(t1).toLocaleTimeString()}
          </text>
          {drawn.map((pts, i) =>
            stacked ? (
              <path
                d={`M${pts.map(([t, , v]) => `${x(t)},${y(v)}`).join('L')}L${[...pts].reverse().map(([t, b]) => `${x(t)},${y(b)}`).join('L')}Z`}
                fill={colorOf(i)}
                fill-opacity="0.55"
                stroke={colorOf(i)}
              />
            ) : (
              <polyline points={pts.map(([t, , v]) => `${x(t)},${y(v)}`).join(' ')} fill="none" stroke={colorOf(i)} stroke-width="2" vector-effect="non-scaling-stroke" />
            ),
          )}
        </svg>
      )}
      <div class="legend">
        {series.map((s, i) => {
          const last = s.points[s.points.length - 1];
          return (
            <span>
              <i style={{ background: colorOf(i) }} />
              {s.name}
              {last ? `: ${format(last[1])}` : ''}
            </span>
          );
        })}
      </div>
    </figure>
  );
}
