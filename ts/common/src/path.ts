// Field paths for converter errors, in the allocator's style:
//   resources[2]: has both scalar and ranges
//   offerConstraints.roleConstraints["eng/ml"].groups[0].constraints[1]: has no predicate

/** The error every converter throws on malformed input; its message starts with the field path. */
export function malformed(path: string, problem: string): TypeError {
  return new TypeError(`${path}: ${problem}`);
}

/** `path[index]`. */
export function at(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** `path["key"]`: map keys are quoted, since role names contain `/` and `.`. */
export function key(path: string, name: string): string {
  return `${path}[${JSON.stringify(name)}]`;
}

/** Whether a field of a message is set (ts-proto leaves unset fields undefined; hand-built objects may use null). */
export function isSet<T>(value: T | null | undefined): value is T {
  return value !== undefined && value !== null;
}

/**
 * A record with an own property per entry. Plain assignment would drop a key
 * named `__proto__` (a valid attribute name and role name) or, for an object
 * value, change the record's prototype.
 */
export function recordOf<V>(entries: Iterable<readonly [string, V]>): Record<string, V> {
  return Object.fromEntries(entries) as Record<string, V>;
}
