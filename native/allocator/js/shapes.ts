// Argument shapes, checked before an argument reaches the binding: the binding's
// own conversion errors name Rust types and read arrays or Maps as objects,
// while the caller needs the path of the field at fault
// (`agents[3].resources[1].scalar: expected a number, got string`).

export type Shape =
  | 'string'
  | 'number'
  | 'boolean'
  | { optional: Shape }
  | { array: Shape }
  | { pair: 'number' }
  | { record: Shape }
  | { object: Record<string, Shape> }
  | { oneOf: Shape[]; describe: string };

const opt = (s: Shape): Shape => ({ optional: s });
const arr = (s: Shape): Shape => ({ array: s });
const rec = (s: Shape): Shape => ({ record: s });

export const resourceShape: Shape = {
  object: {
    name: 'string',
    scalar: opt('number'),
    ranges: opt(arr({ pair: 'number' })),
    reservation: opt('string'),
    revocable: opt('boolean'),
  },
};
export const resourcesShape: Shape = { oneOf: ['string', arr(resourceShape)], describe: 'a resource string or an array of resources' };
const attributesShape: Shape = rec({ oneOf: ['string', 'number'], describe: 'a string or a number' });
const quantitiesShape: Shape = rec('number');
export const constraintShape: Shape = {
  object: { attribute: opt('string'), hostname: opt('boolean'), op: 'string', value: opt('string') },
};
const groupsShape: Shape = arr(arr(constraintShape));

export const agentShape: Shape = {
  object: {
    id: 'string',
    hostname: opt('string'),
    attributes: opt(attributesShape),
    resources: resourcesShape,
    used: opt(arr({ object: { frameworkId: 'string', role: 'string', resources: resourcesShape } })),
    active: opt('boolean'),
  },
};
export const agentChangesShape: Shape = {
  object: { hostname: opt('string'), attributes: opt(attributesShape), resources: opt(resourcesShape) },
};
const frameworkFields = {
  roles: arr('string'),
  capabilities: opt(arr('string')),
  suppressedRoles: opt(arr('string')),
  minAllocatable: opt(rec(arr(quantitiesShape))),
  offerConstraints: opt(rec(groupsShape)),
};
export const frameworkShape: Shape = { object: { id: 'string', active: opt('boolean'), ...frameworkFields } };
export const frameworkChangesShape: Shape = { object: { ...frameworkFields, roles: opt(arr('string')) } };
export const quotaShape: Shape = { object: { guarantees: opt(quantitiesShape), limits: opt(quantitiesShape) } };
export const weightsShape: Shape = quantitiesShape;
export const placementRequestShape: Shape = {
  object: {
    resources: quantitiesShape,
    count: 'number',
    role: opt('string'),
    constraints: opt(groupsShape),
    maxPerAgent: opt('number'),
    gpuAware: opt('boolean'),
  },
};
export const optionsShape: Shape = {
  object: { sorter: opt('string'), placement: opt('string'), seed: opt('number'), minAllocatable: opt(arr(quantitiesShape)) },
};

function describe(shape: Shape): string {
  if (typeof shape === 'string') return `a ${shape}`;
  if ('optional' in shape) return describe(shape.optional);
  if ('array' in shape) return 'an array';
  if ('pair' in shape) return 'a [begin, end] pair';
  if ('oneOf' in shape) return shape.describe;
  return 'an object';
}

function got(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Map) return 'a Map';
  if (value instanceof Set) return 'a Set';
  return typeof value;
}

/** Objects whose own fields are the data: not arrays, Maps or Sets. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Map) && !(value instanceof Set);
}

/** The first place `value` does not fit `shape`, as `path: expected X, got Y`. */
export function mismatch(value: unknown, shape: Shape, path: string): string | undefined {
  if (typeof shape === 'string') {
    return typeof value === shape ? undefined : `${path}: expected ${describe(shape)}, got ${got(value)}`;
  }
  // Omitted is fine; null is not: the binding would read it as a value.
  if ('optional' in shape) return value === undefined ? undefined : mismatch(value, shape.optional, path);
  if ('oneOf' in shape) {
    if (shape.oneOf.some((s) => mismatch(value, s, path) === undefined)) return undefined;
    // Explain with the alternative of the value's own kind (an array against the
    // array alternative), so the message points inside it.
    const kin = shape.oneOf.find((s) => typeof s === 'object' && ('array' in s ? Array.isArray(value) : isRecord(value)));
    return kin ? mismatch(value, kin, path) : `${path}: expected ${shape.describe}, got ${got(value)}`;
  }
  if ('pair' in shape) {
    if (!Array.isArray(value) || value.length !== 2) return `${path}: expected a [begin, end] pair, got ${Array.isArray(value) ? `${value.length} numbers` : got(value)}`;
    return value.map((v, i) => mismatch(v, 'number', `${path}[${i}]`)).find((m) => m !== undefined);
  }
  if ('array' in shape) {
    if (!Array.isArray(value)) return `${path}: expected an array, got ${got(value)}`;
    for (let i = 0; i < value.length; i++) {
      const m = mismatch(value[i], shape.array, `${path}[${i}]`);
      if (m) return m;
    }
    return undefined;
  }
  if (!isRecord(value)) return `${path}: expected an object, got ${got(value)}`;
  if ('record' in shape) {
    for (const [k, v] of Object.entries(value)) {
      const m = mismatch(v, shape.record, `${path}.${k}`);
      if (m) return m;
    }
    return undefined;
  }
  for (const [k, s] of Object.entries(shape.object)) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined && !(typeof s === 'object' && 'optional' in s)) return `${path}.${k}: is required`;
    const m = mismatch(v, s, `${path}.${k}`);
    if (m) return m;
  }
  return undefined;
}
