import { Collection, Db, MongoServerError } from 'mongodb';
import { LeaseStore } from './lease.port';

interface LeaseDocument {
  _id: string;
  owner: string;
  expiresAt: Date;
}

const DUPLICATE_KEY = 11000;

/**
 * Leases as single documents, taken with one conditional upsert: no transactions needed. Expiry
 * is measured on the instances' clocks (FerretDB v1 has no server-side $$NOW in updates), so
 * they must agree to well within the TTL, as NTP keeps them.
 */
export class MongoLeaseStore implements LeaseStore {
  private constructor(private readonly leases: Collection<LeaseDocument>) {}

  static async create(db: Db): Promise<MongoLeaseStore> {
    return new MongoLeaseStore(db.collection<LeaseDocument>('projection_leases'));
  }

  /**
   * A lease is renewed by its holder while unexpired, and otherwise taken by inserting it: the
   * unique `_id` decides between instances racing for it. Not by a conditional upsert: FerretDB
   * v1 evaluates an update's filter and then writes, with nothing in between, so two instances
   * taking one expired lease could both succeed (MongoDB itself would apply it atomically).
   */
  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const renewed = await this.leases.updateOne(
      { _id: name, owner, expiresAt: { $gt: new Date(now) } },
      { $set: { expiresAt: new Date(now + ttlMs) } },
    );
    if (renewed.matchedCount === 1) return this.heldBy(name, owner);
    await this.leases.deleteOne({ _id: name, expiresAt: { $lte: new Date(now) } });
    return this.insert(name, owner, now + ttlMs);
  }

  async takeOver(name: string, owner: string, ttlMs: number, previousOwner: string) {
    await this.leases.deleteOne({ _id: name, owner: previousOwner });
    // Released meanwhile, or taken from: the insert decides either way.
    return (await this.insert(name, owner, Date.now() + ttlMs)) || this.acquire(name, owner, ttlMs);
  }

  private async insert(name: string, owner: string, expiresAt: number): Promise<boolean> {
    try {
      await this.leases.insertOne({ _id: name, owner, expiresAt: new Date(expiresAt) });
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false;
      throw error;
    }
    return this.heldBy(name, owner);
  }

  /** Read back: a write FerretDB v1 let race with another shows here as the other's. */
  private async heldBy(name: string, owner: string): Promise<boolean> {
    return (await this.leases.findOne({ _id: name }))?.owner === owner;
  }

  async release(name: string, owner: string): Promise<void> {
    await this.leases.deleteOne({ _id: name, owner });
  }

  async holder(name: string): Promise<string | undefined> {
    const lease = await this.leases.findOne({ _id: name, expiresAt: { $gt: new Date() } });
    return lease?.owner;
  }

  async holders(prefix: string): Promise<ReadonlyMap<string, string>> {
    const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const leases = await this.leases
      .find({ _id: { $regex: `^${escaped}` }, expiresAt: { $gt: new Date() } })
      .sort({ _id: 1 })
      .toArray();
    return new Map(leases.map((lease) => [lease._id, lease.owner]));
  }
}
