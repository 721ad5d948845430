// planLaunches: turns offers and task requests into Accept calls, using the
// allocator's place() for the decision. Each offer group (the offers of one
// agent under one role, which one Accept may take together) becomes an agent
// of a throwaway Allocator; place() picks groups by bin-packing or spreading
// and says why the rest did not fit; the groups then hand each task its exact
// resources (ports picked from the offered ranges).

import { Allocator, type AgentSpec, type PlacementRequest, type PlacementShortfall } from '@tessera/allocator';
import { TaskInfo, type Offer } from '@tessera/common';

import { toLabels } from './labels.js';
import { OfferGroup } from './placement/offer-group.js';
import { checkRequest, type CheckedRequest, type TaskRequest } from './placement/request.js';

export type { TaskRequest } from './placement/request.js';

export interface PlanOptions {
  /** binpack (default): fill the fullest groups first; spread: the emptiest first. */
  strategy?: 'binpack' | 'spread';
}

export interface PlannedLaunch {
  /** Accept these offers together... */
  offerIds: string[];
  agentId: string;
  role: string;
  /** ...launching these tasks. */
  tasks: TaskInfo[];
}

export interface UnplacedRequest {
  request: TaskRequest;
  /** Tasks of the request that found no room. */
  count: number;
  reason: string;
}

export interface LaunchPlan {
  launches: PlannedLaunch[];
  unplaced: UnplacedRequest[];
  /** Offers no launch uses: decline them (or keep them for later). */
  unusedOfferIds: string[];
}

export function planLaunches(offers: readonly Offer[], requests: readonly TaskRequest[], options: PlanOptions = {}): LaunchPlan {
  if (!Array.isArray(offers)) throw new TypeError('planLaunches.offers: must be an array of offers');
  if (!Array.isArray(requests)) throw new TypeError('planLaunches.requests: must be an array of task requests');
  const strategy = options.strategy ?? 'binpack';
  if (strategy !== 'binpack' && strategy !== 'spread') {
    throw new TypeError(`planLaunches.options.strategy: must be 'binpack' or 'spread' (got ${JSON.stringify(strategy)})`);
  }
  const checked = requests.map((r, i) => checkRequest(r, `planLaunches.requests[${i}]`));
  checkIdsUnique(checked);
  const groups = groupOffers(offers);

  const remaining = checked.map((r) => r.count);
  const placed = checked.map(() => 0);
  const shortfalls = checked.map(() => emptyShortfall());
  const launches = new Map<OfferGroup, PlannedLaunch>();

  // Offers of different roles hold different reserved pools, and place()
  // plans for one role per request: place per role, carrying what is left.
  for (const role of new Set(groups.map((g) => g.role))) {
    const pending = checked.map((_, i) => i).filter((i) => remaining[i]! > 0);
    if (pending.length === 0) break;
    const ofRole = groups.filter((g) => g.role === role);
    const allocator = new Allocator({ placement: strategy });
    const agents: AgentSpec[] = ofRole.map((g, i) => ({
      id: `g${i}`,
      hostname: g.hostname,
      attributes: g.attributes,
      resources: g.resources(),
    }));
    allocator.addAgents(agents);
    const placement = allocator.place(
      pending.map((i) => toPlacementRequest(checked[i]!, remaining[i]!, role)),
      { strategy },
    );
    for (const assignment of placement) {
      const r = pending[assignment.request]!;
      const group = ofRole[Number(assignment.agentId.slice(1))]!;
      for (let k = 0; k < assignment.count; k++) {
        const resources = group.take(checked[r]!.quantities);
        // place() and the group count the same thousandths; a miss here
        // would be a bug, reported as unplaced rather than over-committed.
        if (!resources) break;
        const task = toTaskInfo(checked[r]!, checked[r]!.firstIndex + placed[r]!, group.agentId, resources, `planLaunches.requests[${r}]`);
        placed[r]!++;
        remaining[r]!--;
        let launch = launches.get(group);
        if (!launch) {
          launch = { offerIds: group.offerIds, agentId: group.agentId, role: group.role, tasks: [] };
          launches.set(group, launch);
        }
        launch.tasks.push(task);
      }
    }
    placement.requests.forEach((outcome, j) => {
      if (outcome.shortfall) addShortfall(shortfalls[pending[j]!]!, outcome.shortfall);
    });
  }

  const used = new Set([...launches.keys()]);
  return {
    launches: [...launches.values()],
    unplaced: checked
      .map((r, i) => ({ request: r.request, count: remaining[i]!, reason: explain(shortfalls[i]!, groups.length) }))
      .filter((u) => u.count > 0),
    unusedOfferIds: groups.filter((g) => !used.has(g)).flatMap((g) => g.offerIds),
  };
}

function groupOffers(offers: readonly Offer[]): OfferGroup[] {
  const byKey = new Map<string, OfferGroup>();
  const seen = new Set<string>();
  offers.forEach((offer, i) => {
    const field = `planLaunches.offers[${i}]`;
    if (offer === null || typeof offer !== 'object') throw new TypeError(`${field}: must be an Offer`);
    if (typeof offer.id !== 'string' || offer.id === '') throw new TypeError(`${field}.id: must be a non-empty string`);
    if (typeof offer.agentId !== 'string' || offer.agentId === '') throw new TypeError(`${field}.agentId: must be a non-empty string`);
    if (seen.has(offer.id)) throw new TypeError(`${field}.id: offer '${offer.id}' is given twice`);
    seen.add(offer.id);
    const role = offer.role || '*';
    const key = `${offer.agentId}\u0000${role}`;
    let group = byKey.get(key);
    if (!group) {
      group = new OfferGroup(offer.agentId, role, offer.hostname || offer.agentId);
      byKey.set(key, group);
    }
    group.add(offer, field);
  });
  return [...byKey.values()];
}

function toPlacementRequest(r: CheckedRequest, count: number, role: string): PlacementRequest {
  const out: PlacementRequest = { resources: r.quantities, count, role };
  if (r.request.constraints) out.constraints = r.request.constraints;
  if (r.request.maxPerAgent !== undefined) out.maxPerAgent = r.request.maxPerAgent;
  if (r.request.gpuAware) out.gpuAware = true;
  return out;
}

function toTaskInfo(r: CheckedRequest, index: number, agentId: string, resources: TaskInfo['resources'], field: string): TaskInfo {
  const taskId = `${r.idPrefix}-${index}`;
  const q = r.request;
  return TaskInfo.fromPartial({
    name: q.name || taskId,
    taskId,
    agentId,
    resources,
    command: q.command,
    container: q.container,
    executor: q.executor,
    killPolicy: q.killPolicy,
    labels: toLabels(`${field}.labels`, q.labels),
  });
}

/** Two requests with one prefix must not number the same ids. */
function checkIdsUnique(checked: CheckedRequest[]): void {
  const spans = new Map<string, Array<{ from: number; to: number; index: number }>>();
  checked.forEach((r, index) => {
    if (r.count === 0) return;
    const list = spans.get(r.idPrefix) ?? [];
    const span = { from: r.firstIndex, to: r.firstIndex + r.count - 1, index };
    const clash = list.find((s) => span.from <= s.to && s.from <= span.to);
    if (clash) {
      throw new TypeError(
        `planLaunches.requests[${index}].idPrefix: ids '${r.idPrefix}-${span.from}'..'${r.idPrefix}-${span.to}' overlap those of requests[${clash.index}]`,
      );
    }
    list.push(span);
    spans.set(r.idPrefix, list);
  });
}

function emptyShortfall(): PlacementShortfall {
  return { constraint: 0, gpu: 0, maxPerAgent: 0, insufficient: 0, quotaLimit: 0 };
}

function addShortfall(into: PlacementShortfall, s: PlacementShortfall): void {
  into.constraint += s.constraint;
  into.gpu += s.gpu;
  into.maxPerAgent += s.maxPerAgent;
  into.insufficient += s.insufficient;
  into.quotaLimit += s.quotaLimit;
}

/** "3 offer groups lack the resources, 1 offer group fails the constraints". */
function explain(s: PlacementShortfall, groups: number): string {
  if (groups === 0) return 'no offers';
  const parts: string[] = [];
  const say = (n: number, one: string, many: string): void => {
    if (n === 1) parts.push(`1 offer group ${one}`);
    else if (n > 1) parts.push(`${n} offer groups ${many}`);
  };
  say(s.insufficient, 'lacks the resources', 'lack the resources');
  say(s.constraint, 'fails the constraints', 'fail the constraints');
  say(s.gpu, 'has GPUs the task does not ask for', 'have GPUs the task does not ask for');
  say(s.maxPerAgent, 'already holds maxPerAgent tasks', 'already hold maxPerAgent tasks');
  say(s.quotaLimit, 'is over a quota limit', 'are over a quota limit');
  return parts.length > 0 ? parts.join(', ') : 'the offers ran out';
}
