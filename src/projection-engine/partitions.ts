/**
 * A view's events are shared between P partitions by a stable hash of their key (the customer
 * id): FNV-1a (32 bits) over the key's UTF-8 bytes, modulo P. Stable across processes, versions
 * and languages, so every instance agrees which partition a customer is in; all of one
 * customer's events are in one partition, which keeps their order (and the outbox's per customer).
 */
export function partitionOf(key: string, partitions: number): number {
  if (partitions === 1) return 0;
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

export interface Partition {
  readonly index: number;
  readonly count: number;
}

export const MAX_PARTITIONS = 64;

/** `customers_g2` for a view run as one partition (as before partitions existed), else `customers_g2#3/8`. */
export const checkpointName = (physical: string, { index, count }: Partition): string =>
  count === 1 ? physical : `${physical}#${index}/${count}`;

/** `projection:customers` for one partition (as before), else `projection:customers#3/8`. */
export const leaseName = (view: string, { index, count }: Partition): string =>
  count === 1 ? `projection:${view}` : `projection:${view}#${index}/${count}`;
