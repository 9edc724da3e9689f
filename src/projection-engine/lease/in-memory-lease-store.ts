import { LeaseStore } from './lease.port';

/** For unit tests only. `now` is injectable so tests can move time. */
export class InMemoryLeaseStore implements LeaseStore {
  private readonly leases = new Map<string, { owner: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const current = this.leases.get(name);
    if (current && current.owner !== owner && current.expiresAt > this.now()) return false;
    this.leases.set(name, { owner, expiresAt: this.now() + ttlMs });
    return true;
  }

  async takeOver(name: string, owner: string, ttlMs: number, previousOwner: string) {
    const current = this.leases.get(name);
    if (current?.owner !== previousOwner) return this.acquire(name, owner, ttlMs);
    this.leases.set(name, { owner, expiresAt: this.now() + ttlMs });
    return true;
  }

  async release(name: string, owner: string): Promise<void> {
    if (this.leases.get(name)?.owner === owner) this.leases.delete(name);
  }

  async holder(name: string): Promise<string | undefined> {
    const current = this.leases.get(name);
    return current && current.expiresAt > this.now() ? current.owner : undefined;
  }

  async holders(prefix: string): Promise<ReadonlyMap<string, string>> {
    const now = this.now();
    return new Map(
      [...this.leases]
        .filter(([name, lease]) => name.startsWith(prefix) && lease.expiresAt > now)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, lease]) => [name, lease.owner]),
    );
  }
}
