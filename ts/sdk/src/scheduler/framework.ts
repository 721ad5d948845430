// What a framework author says about the framework, checked and turned into
// the wire FrameworkInfo the master receives on Subscribe and UpdateFramework.

import {
  FrameworkCapability,
  FrameworkInfo,
  checkId,
  type OfferConstraints,
} from '@tessera/common';

import { toLabels, type LabelsLike } from '../labels.js';

export interface FrameworkOptions {
  name: string;
  /** Roles to take resources for; the master uses "*" when none is given. */
  roles?: string[];
  user?: string;
  principal?: string;
  /** Seconds the master keeps the framework's tasks while its scheduler is away (default 0). */
  failoverTimeoutSeconds?: number;
  /** FrameworkCapability values, or their names ('PARTITION_AWARE'). */
  capabilities?: Array<FrameworkCapability | string>;
  /** As a record or as wire labels (keys may repeat in the latter). */
  labels?: LabelsLike;
  offerConstraints?: OfferConstraints;
  checkpoint?: boolean;
  hostname?: string;
  webuiUrl?: string;
  /** The id the master gave earlier: re-subscribe after a scheduler restart. */
  id?: string;
}

/** Checks the options and builds the FrameworkInfo; errors name the field under `field`. */
export function toFrameworkInfo(options: FrameworkOptions, field = 'framework'): FrameworkInfo {
  if (options === null || typeof options !== 'object') throw new TypeError(`${field}: must be an object`);
  const { name } = options;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new TypeError(`${field}.name: must be a non-empty string (got ${JSON.stringify(name)})`);
  }
  const roles = stringList(`${field}.roles`, options.roles ?? []);
  const failover = options.failoverTimeoutSeconds ?? 0;
  if (typeof failover !== 'number' || !Number.isFinite(failover) || failover < 0) {
    throw new TypeError(`${field}.failoverTimeoutSeconds: must be a finite number >= 0 (got ${String(failover)})`);
  }
  return FrameworkInfo.create({
    id: options.id === undefined || options.id === '' ? '' : checkId(`${field}.id`, options.id),
    name,
    user: optionalString(`${field}.user`, options.user),
    principal: optionalString(`${field}.principal`, options.principal),
    roles,
    failoverTimeout: failover,
    checkpoint: options.checkpoint ?? false,
    capabilities: (options.capabilities ?? []).map((c, i) => toCapability(`${field}.capabilities[${i}]`, c)),
    labels: toLabels(`${field}.labels`, options.labels),
    offerConstraints: options.offerConstraints,
    hostname: optionalString(`${field}.hostname`, options.hostname),
    webuiUrl: optionalString(`${field}.webuiUrl`, options.webuiUrl),
  });
}

/** A capability given as the enum value, or its name with or without the proto prefix. */
export function toCapability(field: string, value: FrameworkCapability | string): FrameworkCapability {
  if (typeof value === 'number') {
    if (value > 0 && FrameworkCapability[value] !== undefined) return value;
  } else if (typeof value === 'string') {
    const key = value.replace(/^FRAMEWORK_CAPABILITY_/, '') as keyof typeof FrameworkCapability;
    const found = FrameworkCapability[key];
    if (typeof found === 'number' && found > 0) return found;
  }
  const known = Object.keys(FrameworkCapability).filter((k) => Number.isNaN(Number(k)) && k !== 'UNSPECIFIED' && k !== 'UNRECOGNIZED');
  throw new TypeError(`${field}: unknown capability ${JSON.stringify(value)} (one of ${known.join(', ')})`);
}

function stringList(field: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw new TypeError(`${field}: must be an array of strings`);
  return value.map((v, i) => str(`${field}[${i}]`, v));
}

function optionalString(field: string, value: unknown): string {
  return value === undefined ? '' : str(field, value);
}

function str(field: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`${field}: must be a string (got ${typeof value})`);
  return value;
}
