// Labels given as a record or as wire labels (keys may repeat in the latter).

import { Labels, type Label } from '@tessera/common';

export type LabelsLike = Record<string, string> | Label[];

export function toLabels(field: string, labels: LabelsLike | undefined): Labels | undefined {
  if (labels === undefined) return undefined;
  if (Array.isArray(labels)) {
    return Labels.create({
      labels: labels.map((l, i) => ({ key: str(`${field}[${i}].key`, l?.key), value: str(`${field}[${i}].value`, l?.value) })),
    });
  }
  if (labels === null || typeof labels !== 'object') throw new TypeError(`${field}: must be a record or a list of labels`);
  return Labels.create({
    labels: Object.entries(labels).map(([key, value]) => ({ key, value: str(`${field}.${key}`, value) })),
  });
}

function str(field: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`${field}: must be a string (got ${typeof value})`);
  return value;
}
