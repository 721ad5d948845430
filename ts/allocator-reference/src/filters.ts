// Offer filters: a framework that declined resources on an agent for a role does
// not see them (or any subset) again there until the filter expires.
//
// The allocator's clock never goes back (allocate clamps `now` to the latest
// seen), so a filter that has expired stays expired. stats() counts the filters
// active at the last allocate().

import * as res from './resources.js';
import type { Resources } from './resources.js';

interface Filter {
  readonly role: string;
  readonly agentId: string;
  readonly refused: Resources;
  readonly expiresAt: number;
}

function slot(role: string, agentId: string): string {
  return `${role}\u0000${agentId}`;
}

export class FilterStore {
  /** framework → (role, agent) → filters, in the order they were made. */
  private readonly byFramework = new Map<string, Map<string, Filter[]>>();

  add(frameworkId: string, role: string, agentId: string, refused: Resources, expiresAt: number): void {
    let slots = this.byFramework.get(frameworkId);
    if (slots === undefined) this.byFramework.set(frameworkId, (slots = new Map()));
    const key = slot(role, agentId);
    let list = slots.get(key);
    if (list === undefined) slots.set(key, (list = []));
    // An identical filter adds nothing: keep one, so that counts agree.
    if (list.some((f) => f.expiresAt === expiresAt && res.equals(f.refused, refused))) return;
    list.push({ role, agentId, refused, expiresAt });
  }

  /** filtered(f, R, a, x): some active filter for (f, R, a) refused all of x. */
  isFiltered(frameworkId: string, role: string, agentId: string, x: Resources, now: number): boolean {
    const list = this.byFramework.get(frameworkId)?.get(slot(role, agentId));
    if (list === undefined) return false;
    return list.some((f) => f.expiresAt > now && res.contains(f.refused, x));
  }

  removeFramework(frameworkId: string): void {
    this.byFramework.delete(frameworkId);
  }

  removeFrameworkRoles(frameworkId: string, roles: ReadonlySet<string>): void {
    const slots = this.byFramework.get(frameworkId);
    if (slots === undefined) return;
    for (const [key, list] of slots) {
      if (roles.has(list[0]!.role)) slots.delete(key);
    }
  }

  removeAgent(agentId: string): void {
    for (const slots of this.byFramework.values()) {
      for (const [key, list] of slots) {
        if (list[0]!.agentId === agentId) slots.delete(key);
      }
    }
  }

  countActive(now: number): number {
    let n = 0;
    for (const slots of this.byFramework.values()) {
      for (const list of slots.values()) for (const f of list) if (f.expiresAt > now) n++;
    }
    return n;
  }
}
