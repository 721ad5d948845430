// Small shared pieces: state badges, resource tables, times, key/value lists.

import type { ComponentChildren } from 'preact';

import { formatAmount, kindsOf, percent, type Quantities } from '../data/resources.js';

const STATE_CLASS: Record<string, string> = {
  RUNNING: 'ok',
  FINISHED: 'done',
  STAGING: 'pending',
  STARTING: 'pending',
  KILLING: 'warn',
  UNREACHABLE: 'warn',
  UNKNOWN: 'warn',
  active: 'ok',
  unreachable: 'warn',
  removed: 'bad',
};

export function StateBadge({ state }: { state: string }) {
  return <span class={`badge ${STATE_CLASS[state] ?? 'bad'}`}>{state}</span>;
}

export function Ago({ iso }: { iso: string | undefined }) {
  if (!iso) return <span>—</span>;
  const d = new Date(iso);
  const s = Math.max(0, Math.round((Date.now() - d.getTime()) / 1000));
  const text = s < 60 ? `${s}s ago` : s < 3600 ? `${Math.floor(s / 60)}m ago` : s < 86400 ? `${Math.floor(s / 3600)}h ago` : `${Math.floor(s / 86400)}d ago`;
  return <time dateTime={iso} title={d.toLocaleString()}>{text}</time>;
}

/** Rows of named quantities (Total / Allocated / …) by resource kind; `relative`: each row's share of the first. */
export function ResourceTable({ rows, testId, relative = true }: { rows: Array<[string, Quantities]>; testId?: string; relative?: boolean }) {
  const kinds = kindsOf(...rows.map(([, q]) => q));
  const whole = rows[0]?.[1] ?? {};
  return (
    <div class="table-wrap" data-testid={testId}>
      <table class="resources">
        <thead>
          <tr>
            <th />
            {kinds.map((k) => (
              <th class="num">{k}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map(([name, q], i) => (
            <tr data-row={name}>
              <th>{name}</th>
              {kinds.map((k) => (
                <td class="num" data-kind={k} data-value={q[k] ?? 0}>
                  {formatAmount(k, q[k] ?? 0)}
                  {relative && i > 0 && whole[k] ? <small> {percent(q[k] ?? 0, whole[k]!)}</small> : null}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Stat({ label, value, testId, href }: { label: string; value: ComponentChildren; testId?: string; href?: string }) {
  const body = (
    <>
      <div class="stat-value" data-testid={testId}>
        {typeof value === 'number' ? value.toLocaleString('en-US') : value}
      </div>
      <div class="stat-label">{label}</div>
    </>
  );
  return href ? (
    <a class="stat" href={href}>
      {body}
    </a>
  ) : (
    <div class="stat">{body}</div>
  );
}

export function KeyValues({ items }: { items: Array<[string, ComponentChildren]> }) {
  return (
    <dl class="kv">
      {items.map(([k, v]) => (
        <>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </>
      ))}
    </dl>
  );
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="card">
      <header>
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function Loading() {
  return <p class="muted">Loading…</p>;
}
