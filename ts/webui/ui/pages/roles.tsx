// Roles as the allocator sees them: the tree (a/b is a child of a), each
// role's weight, quota (guarantees and limits), allocation, and its weighted
// DRF share among its siblings — the order in which roles are offered to.

import { Section } from '../components/bits.js';
import { useQuery } from '../data/hooks.js';
import { formatAmount, kindsOf, type Quantities } from '../data/resources.js';
import type { ClusterStore } from '../data/store.js';
import type { Role } from '../data/types.js';
import { RoleSettings } from './role-settings.js';

interface Node {
  name: string;
  role?: Role;
  children: Node[];
}

/** The role tree; roles the allocator did not list but whose children it did appear as plain parents. */
export function roleTree(roles: Role[]): Node[] {
  const byName = new Map<string, Node>();
  const node = (name: string): Node => {
    let n = byName.get(name);
    if (!n) {
      n = { name, children: [] };
      byName.set(name, n);
      const parent = name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : undefined;
      if (parent) node(parent).children.push(n);
    }
    return n;
  };
  for (const r of roles) node(r.name).role = r;
  const sort = (ns: Node[]): Node[] => ns.sort((a, b) => a.name.localeCompare(b.name)).map((n) => ((n.children = sort(n.children)), n));
  return sort([...byName.values()].filter((n) => !n.name.includes('/')));
}

function quantitiesText(q: Quantities | undefined): string {
  if (!q || Object.keys(q).length === 0) return '—';
  return kindsOf(q)
    .map((k) => `${k} ${formatAmount(k, q[k])}`)
    .join(' · ');
}

function Rows({ nodes, depth }: { nodes: Node[]; depth: number }) {
  return (
    <>
      {nodes.map((n) => {
        const r = n.role;
        const leaf = n.name.slice(n.name.lastIndexOf('/') + 1);
        return (
          <>
            <tr data-role={n.name}>
              <td style={{ paddingLeft: `${0.6 + depth * 1.4}rem` }}>
                {depth > 0 ? '└ ' : ''}
                <strong>{leaf}</strong>
              </td>
              <td class="num" data-testid={`weight-${n.name}`}>{r ? r.weight : '—'}</td>
              <td class="small">{quantitiesText(r?.guarantees)}</td>
              <td class="small">{quantitiesText(r?.limits)}</td>
              <td class="small">{quantitiesText(r?.allocated)}</td>
              <td class="small">{quantitiesText(r?.subtreeAllocated)}</td>
              <td class="num share">
                {r ? (
                  <>
                    <span class="bar-track" aria-hidden="true">
                      <span class="bar" style={{ width: `${Math.min(100, r.share * 100)}%` }} />
                    </span>
                    <span class="share-value" data-testid={`share-${n.name}`} data-share={r.share}>{r.share.toFixed(4)}</span>
                  </>
                ) : (
                  '—'
                )}
              </td>
              <td class="small">{r?.frameworks?.length ?? '—'}</td>
            </tr>
            <Rows nodes={n.children} depth={depth + 1} />
          </>
        );
      })}
    </>
  );
}

export function RolesPage({ store }: { store: ClusterStore }) {
  const roles = useQuery(store, 'roles', () => store.api.roles());
  if (roles.error) return <p class="error">{roles.error}</p>;
  if (roles.data === undefined) return <p class="muted">Loading…</p>;
  if (roles.data === null) return <p class="muted">This master does not report roles (no /api/v1/roles).</p>;
  return (
    <div class="page" data-testid="roles-page">
      <Section title="Roles">
        <div class="table-wrap">
          <table data-testid="roles">
            <thead>
              <tr>
                <th>Role</th>
                <th class="num">Weight</th>
                <th>Guarantees</th>
                <th>Limits</th>
                <th>Allocated</th>
                <th>Subtree allocated</th>
                <th class="num">DRF share</th>
                <th>Frameworks</th>
              </tr>
            </thead>
            <tbody>
              {roles.data.length === 0 ? (
                <tr>
                  <td class="empty" colSpan={8}>
                    No roles yet.
                  </td>
                </tr>
              ) : (
                <Rows nodes={roleTree(roles.data)} depth={0} />
              )}
            </tbody>
          </table>
        </div>
        <RoleSettings store={store} />
        <p class="muted small">
          Share: the role's dominant share of what its subtree holds (offered + used), divided by its weight; among siblings, the lowest is offered to first.
        </p>
      </Section>
    </div>
  );
}
