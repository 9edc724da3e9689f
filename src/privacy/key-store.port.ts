import { WrappedDataKey } from './master-key.port';

/** Why and when a customer's data key was destroyed: "shredded" is told apart from "never had one". */
export interface Tombstone {
  readonly shreddedAt: string;
  readonly reason: string;
  /** The PersonalDataErased event that ordered it. */
  readonly erasureEventId: string;
}

export type KeyRecord =
  | { readonly state: 'none' }
  | { readonly state: 'active'; readonly key: WrappedDataKey; readonly createdAt: string }
  | { readonly state: 'shredded'; readonly tombstone: Tombstone };

export interface ActiveKey {
  readonly customerId: string;
  readonly key: WrappedDataKey;
}

/**
 * The customers' data keys, wrapped by the master key, kept beside the read models and never in
 * the event log (an event is immutable; a key must be destroyable).
 */
export interface KeyStore {
  find(customerId: string): Promise<KeyRecord>;
  /**
   * Stores `key` unless the customer has a record already; answers what is stored afterwards
   * (the key of a concurrent writer that won, or a tombstone: a shredded key never comes back).
   */
  create(customerId: string, key: WrappedDataKey): Promise<KeyRecord>;
  /** Destroys the key and leaves the tombstone; the first tombstone stays. Idempotent. */
  shred(customerId: string, tombstone: Tombstone): Promise<void>;
  /** Replaces a wrapped key if it is still `from` (key rotation); false when it changed meanwhile. */
  rewrap(customerId: string, from: WrappedDataKey, to: WrappedDataKey): Promise<boolean>;
  /** Active keys in customer-id order after `afterCustomerId`, for rotation. */
  listActive(afterCustomerId: string | undefined, limit: number): Promise<ActiveKey[]>;
  counts(): Promise<{ active: number; shredded: number }>;
}

export const KEY_STORE = Symbol('KeyStore');

/** A stored key record of either adapter, in their common terms: a null wrapped key is a tombstone. */
export interface StoredKeyFields {
  readonly kid: string | null;
  readonly wrapped: string | null;
  readonly createdAt: string;
  readonly shreddedAt?: string | null;
  readonly reason?: string | null;
  readonly erasureEventId?: string | null;
}

export function keyRecordOf(stored: StoredKeyFields | undefined | null): KeyRecord {
  if (!stored) return { state: 'none' };
  if (stored.wrapped === null) {
    return {
      state: 'shredded',
      tombstone: {
        shreddedAt: stored.shreddedAt!,
        reason: stored.reason!,
        erasureEventId: stored.erasureEventId!,
      },
    };
  }
  return {
    state: 'active',
    key: { kid: stored.kid!, wrapped: stored.wrapped },
    createdAt: stored.createdAt,
  };
}
