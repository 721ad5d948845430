// Turns the Resource objects callers hand in into normal-form lists, checking
// every field. Resource kinds are learned on first use, so parsing happens in a
// KindScope whose new kinds only stick once the whole operation is valid.

import type { Resource } from '@tessera/allocator/types';
import { InvalidArgumentError, InvalidResourceError } from '@tessera/allocator/errors';
import { isValidResourceName } from './names.js';
import * as ranges from './ranges.js';
import type { Interval, RangeSet } from './ranges.js';
import { fromEntries, rangesEntry, scalarEntry } from './resources.js';
import type { Entry, Resources } from './resources.js';
import { DEFAULT_ROLE, checkRole } from './roles.js';
import { MAX_RANGE_VALUE, MAX_THOUSANDTHS, checkWholeGpus, describe, toThousandths } from './units.js';
import { resourcesFromText } from './resource-text.js';

export type Kind = 'scalar' | 'ranges';

/** The kind of every resource name seen so far; the well-known ones are fixed. */
export class ResourceKinds {
  private readonly kinds = new Map<string, Kind>([
    ['cpus', 'scalar'],
    ['mem', 'scalar'],
    ['disk', 'scalar'],
    ['gpus', 'scalar'],
    ['ports', 'ranges'],
  ]);

  kindOf(name: string): Kind | undefined {
    return this.kinds.get(name);
  }

  scope(): KindScope {
    return new KindScope(this, this.kinds);
  }
}

/** Kinds learned by one operation, kept apart until commit(). */
export class KindScope {
  private readonly learned = new Map<string, Kind>();

  constructor(
    readonly registry: ResourceKinds,
    private readonly committed: Map<string, Kind>,
  ) {}

  kindOf(name: string): Kind | undefined {
    return this.committed.get(name) ?? this.learned.get(name);
  }

  use(name: string, kind: Kind, path: string): void {
    const known = this.kindOf(name);
    if (known === undefined) this.learned.set(name, kind);
    else if (known !== kind) {
      throw new InvalidResourceError(`${path}: ${name} is a ${known} resource, not ${kind}`);
    }
  }

  commit(): void {
    for (const [name, kind] of this.learned) this.committed.set(name, kind);
    this.learned.clear();
  }
}

/** `list` is a ResourcesLike from the caller, unchecked. */
export function parseResources(list: unknown, path: string, kinds: KindScope): Resources {
  if (typeof list === 'string') list = resourcesFromText(list, path);
  if (!Array.isArray(list)) throw new InvalidArgumentError(`${path}: must be an array (got ${describe(list)})`);
  const merged = new Map<string, Entry>();
  list.forEach((raw: unknown, i) => {
    const entry = parseResource(raw, `${path}[${i}]`, kinds);
    const earlier = merged.get(entry.key);
    merged.set(entry.key, earlier === undefined ? entry : mergeEntries(earlier, entry, `${path}[${i}]`));
  });
  return fromEntries(merged.values());
}

function parseResource(raw: unknown, path: string, kinds: KindScope): Entry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidArgumentError(`${path}: must be a Resource object (got ${describe(raw)})`);
  }
  const r = raw as Resource;
  if (!isValidResourceName(r.name)) {
    throw new InvalidResourceError(`${path}.name: must be 1-64 characters of [A-Za-z0-9_.-] (got ${describe(r.name)})`);
  }
  const reservation =
    r.reservation === undefined || r.reservation === DEFAULT_ROLE
      ? null
      : checkRole(r.reservation, `${path}.reservation`);
  if (r.revocable !== undefined && typeof r.revocable !== 'boolean') {
    throw new InvalidArgumentError(`${path}.revocable: must be a boolean (got ${describe(r.revocable)})`);
  }
  const revocable = r.revocable === true;
  if (reservation !== null && revocable) {
    throw new InvalidResourceError(`${path}: a resource cannot be both reserved and revocable`);
  }
  const hasScalar = r.scalar !== undefined;
  const hasRanges = r.ranges !== undefined;
  if (hasScalar === hasRanges) {
    throw new InvalidResourceError(`${path}: must have exactly one of scalar and ranges`);
  }
  kinds.use(r.name, hasScalar ? 'scalar' : 'ranges', path);
  if (hasScalar) {
    const t = toThousandths(r.scalar, `${path}.scalar`);
    checkWholeGpus(r.name, t, `${path}.scalar`);
    return scalarEntry(r.name, reservation, revocable, t);
  }
  return rangesEntry(r.name, reservation, revocable, parseRanges(r.ranges, `${path}.ranges`));
}

function parseRanges(raw: unknown, path: string): RangeSet {
  if (!Array.isArray(raw)) throw new InvalidResourceError(`${path}: must be an array of [begin, end] (got ${describe(raw)})`);
  const intervals: Interval[] = raw.map((interval: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!Array.isArray(interval) || interval.length !== 2) {
      throw new InvalidResourceError(`${at}: must be [begin, end] (got ${describe(interval)})`);
    }
    const [begin, end] = interval as unknown[];
    if (!isRangeBound(begin) || !isRangeBound(end)) {
      throw new InvalidResourceError(`${at}: bounds must be integers from 0 to ${MAX_RANGE_VALUE}`);
    }
    if (begin > end) throw new InvalidResourceError(`${at}: begin ${begin} is after end ${end}`);
    return [begin, end];
  });
  const set = ranges.normaliseIntervals(intervals);
  if (set === null) throw new InvalidResourceError(`${path}: intervals must not overlap`);
  return set;
}

function isRangeBound(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_RANGE_VALUE;
}

/**
 * Two list items with one identity merge. Overlapping ranges are refused, as
 * within one item: the merged resource would hold the same values twice.
 */
function mergeEntries(a: Entry, b: Entry, path: string): Entry {
  if (a.ranges === null) {
    const t = a.scalar + b.scalar;
    if (t > MAX_THOUSANDTHS) throw new InvalidResourceError(`${path}: the ${a.name} amounts add up to more than ${MAX_THOUSANDTHS / 1000}`);
    return scalarEntry(a.name, a.reservation, a.revocable, t);
  }
  const other = b.ranges ?? [];
  if (ranges.overlaps(a.ranges, other)) {
    throw new InvalidResourceError(`${path}: ${a.name} intervals overlap those given earlier for the same resource`);
  }
  return rangesEntry(a.name, a.reservation, a.revocable, ranges.union(a.ranges, other));
}
