// Steering roles from the roles page: a role's weight, and its quota
// (guarantees and limits), through the operator API. The master checks
// everything (a bad amount, a guarantee above its limit, quota on '*') and
// its message, which names the field, is shown as it is.

import { useState } from 'preact/hooks';

import { postJson } from '../data/client.js';
import type { ClusterStore } from '../data/store.js';

/** "cpus:2;mem:1024" → { cpus: 2, mem: 1024 }; '' → undefined. Throws naming the part it cannot read. */
export function parseQuantities(field: string, text: string): Record<string, number> | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const out: Record<string, number> = {};
  for (const part of trimmed.split(/[;,]\s*/)) {
    const m = /^([a-z][\w.-]*)\s*:\s*(-?[\d.]+)$/i.exec(part.trim());
    if (!m) throw new Error(`${field}: '${part}' is not name:amount (e.g. cpus:2;mem:1024)`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

export function RoleSettings({ store }: { store: ClusterStore }) {
  const [role, setRole] = useState('');
  const [weight, setWeight] = useState('');
  const [guarantees, setGuarantees] = useState('');
  const [limits, setLimits] = useState('');
  const [status, setStatus] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const run = async (what: string, call: () => Promise<unknown>): Promise<void> => {
    try {
      await call();
      setStatus({ ok: true, text: `${what}: done` });
      store.refreshSoon(0);
    } catch (err) {
      setStatus({ ok: false, text: (err as Error).message });
    }
  };
  const setWeightNow = () =>
    run(`weight of ${role}`, () => {
      const w = Number(weight);
      if (weight.trim() === '' || !Number.isFinite(w)) throw new Error(`weight: '${weight}' is not a number`);
      return postJson('/api/v1/roles/weights', { weights: { [role]: w } });
    });
  const setQuotaNow = () =>
    run(`quota of ${role}`, () => {
      const g = parseQuantities('guarantees', guarantees);
      const l = parseQuantities('limits', limits);
      return postJson('/api/v1/quota', { role, ...(g ? { guarantees: g } : {}), ...(l ? { limits: l } : {}) });
    });
  const removeQuota = () => run(`quota of ${role} removed`, () => postJson('/api/v1/quota', { role, remove: true }));
  const disabled = role.trim() === '';
  return (
    <form class="role-settings" onSubmit={(e) => e.preventDefault()} data-testid="role-settings">
      <input placeholder="role (e.g. web or eng/ml)" value={role} onInput={(e) => setRole((e.target as HTMLInputElement).value.trim())} aria-label="role" data-testid="role-name" />
      <span class="group">
        <input class="short" placeholder="weight" value={weight} onInput={(e) => setWeight((e.target as HTMLInputElement).value)} aria-label="weight" data-testid="role-weight" />
        <button type="button" disabled={disabled} onClick={() => void setWeightNow()} data-testid="set-weight">
          Set weight
        </button>
      </span>
      <span class="group">
        <input placeholder="guarantees cpus:2;mem:1024" value={guarantees} onInput={(e) => setGuarantees((e.target as HTMLInputElement).value)} aria-label="guarantees" />
        <input placeholder="limits cpus:8" value={limits} onInput={(e) => setLimits((e.target as HTMLInputElement).value)} aria-label="limits" />
        <button type="button" disabled={disabled} onClick={() => void setQuotaNow()}>
          Set quota
        </button>
        <button type="button" class="danger" disabled={disabled} onClick={() => void removeQuota()}>
          Remove quota
        </button>
      </span>
      {status ? (
        <span class={status.ok ? 'muted small' : 'error small'} data-testid="role-settings-status">
          {status.text}
        </span>
      ) : null}
    </form>
  );
}
