/**
 * Leases: one active runner per projection, however many service instances run. Kept in the
 * read-model store's backend (the runner's writes go there anyway). Every adapter passes
 * test/contract/lease.contract.ts.
 *
 * A lease only saves duplicate work; correctness never depends on it: a runner that lost its
 * lease without noticing (a long pause) writes nothing a version guard would not ignore.
 */
export interface LeaseStore {
  /**
   * Takes the lease `name` for `owner`, or renews it when `owner` holds it, for `ttlMs` from now
   * on the backend's clock. True when `owner` holds it afterwards; false while another owner's
   * lease is unexpired.
   */
  acquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /**
   * Takes the lease from `previousOwner`, expired or not, for `ttlMs`: for a caller that has
   * proven that owner dead (a restart after a crash need not wait out its lease). True when
   * `owner` holds it afterwards; false when someone other than `previousOwner` holds it.
   */
  takeOver(name: string, owner: string, ttlMs: number, previousOwner: string): Promise<boolean>;
  /** Gives the lease up at once if `owner` holds it; otherwise a no-op. */
  release(name: string, owner: string): Promise<void>;
  /** The current unexpired holder, if any. */
  holder(name: string): Promise<string | undefined>;
  /**
   * Every unexpired lease whose name starts with `prefix`, with its holder: how the instances of
   * a deployment see each other and share a projection's partitions.
   */
  holders(prefix: string): Promise<ReadonlyMap<string, string>>;
}

export const LEASE_STORE = Symbol('LeaseStore');
