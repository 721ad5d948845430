// Argument shapes, checked only after the binding refused an argument: the
// binding's own conversion error names a Rust type, while the caller needs the
// path of the field (`agents[3].resources[1].scalar: expected a number, got
// string`). Checking after the fact keeps the happy path free of a second walk.

export type Shape =
  | 'string'
  | 'number'
  | 'boolean'
  | { optional: Shape }
  | { array: Shape }
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
    ranges: opt(arr(arr('number'))),
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
  if ('oneOf' in shape) return shape.describe;
  return 'an object';
}

function got(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** The first place `value` does not fit `shape`, as `path: expected X, got Y`. */
export function mismatch(value: unknown, shape: Shape, path: string): string | undefined {
  if (typeof shape === 'string') {
    return typeof value === shape ? undefined : `${path}: expected ${describe(shape)}, got ${got(value)}`;
  }
  if ('optional' in shape) return value === undefined || value === null ? undefined : mismatch(value, shape.optional, path);
  if ('oneOf' in shape) {
    return shape.oneOf.some((s) => mismatch(value, s, path) === undefined)
      ? undefined
      : Array.isArray(value)
        ? shape.oneOf.map((s) => mismatch(value, s, path)).find((m) => m !== undefined && !m.endsWith('got an array'))
        : `${path}: expected ${shape.describe}, got ${got(value)}`;
  }
  if ('array' in shape) {
    if (!Array.isArray(value)) return `${path}: expected an array, got ${got(value)}`;
    for (let i = 0; i < value.length; i++) {
      const m = mismatch(value[i], shape.array, `${path}[${i}]`);
      if (m) return m;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `${path}: expected an object, got ${got(value)}`;
  }
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
