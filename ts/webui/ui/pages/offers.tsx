// Outstanding offers: which framework holds what of which agent, for which role.

import { Section } from '../components/bits.js';
import { Table } from '../components/table.js';
import { useQuery } from '../data/hooks.js';
import { href } from '../data/route.js';
import { formatResources, quantities } from '../data/resources.js';
import type { ClusterStore } from '../data/store.js';

export function OffersPage({ store }: { store: ClusterStore }) {
  const offers = useQuery(store, 'offers', () => store.api.offers());
  return (
    <div class="page" data-testid="offers-page">
      <Section title={`Outstanding offers (${offers.data?.offers.length ?? '…'})`}>
        {offers.error ? <p class="error">{offers.error}</p> : null}
        <Table
          testId="offers"
          rows={offers.data?.offers ?? []}
          rowKey={(o) => o.id}
          empty={offers.data ? 'No outstanding offers.' : 'Loading…'}
          columns={[
            { title: 'ID', cell: (o) => <span class="mono">{o.id}</span>, sort: (o) => o.id },
            { title: 'Framework', cell: (o) => <a href={href('frameworks', o.frameworkId)}>{o.frameworkId}</a>, sort: (o) => o.frameworkId },
            { title: 'Agent', cell: (o) => <a href={href('agents', o.agentId)}>{o.agentId}</a>, sort: (o) => o.agentId },
            { title: 'Role', cell: (o) => o.role, sort: (o) => o.role },
            { title: 'Resources', cell: (o) => <span class="small">{formatResources(o.resources)}</span>, sort: (o) => quantities(o.resources)['cpus'] ?? 0 },
          ]}
        />
      </Section>
    </div>
  );
}
