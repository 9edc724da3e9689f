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

  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    try {
      // Matches a lease this owner holds or one that expired; otherwise the upsert's insert
      // collides with the other owner's document.
      await this.leases.updateOne(
        { _id: name, $or: [{ owner }, { expiresAt: { $lte: new Date(now) } }] },
        { $set: { owner, expiresAt: new Date(now + ttlMs) } },
        { upsert: true },
      );
      // Read back: FerretDB v1 evaluates an update's filter and then writes, with nothing in
      // between, so two instances taking one expired lease can both succeed, the later write
      // winning. The read-back tells the earlier one (MongoDB itself applies it atomically).
      const held = await this.leases.findOne({ _id: name });
      return held?.owner === owner;
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  async takeOver(name: string, owner: string, ttlMs: number, previousOwner: string) {
    const { matchedCount } = await this.leases.updateOne(
      { _id: name, owner: previousOwner },
      { $set: { owner, expiresAt: new Date(Date.now() + ttlMs) } },
    );
    // Released meanwhile: then it is free to take the usual way.
    return matchedCount === 1 || this.acquire(name, owner, ttlMs);
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
