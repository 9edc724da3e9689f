import { Collection, Db, MongoServerError } from 'mongodb';
import { ActiveKey, KeyRecord, keyRecordOf, KeyStore, Tombstone } from './key-store.port';
import { WrappedDataKey } from './master-key.port';

interface KeyDocument {
  _id: string;
  kid: string | null;
  wrapped: string | null;
  createdAt: string;
  shreddedAt?: string;
  reason?: string;
  erasureEventId?: string;
}

const DUPLICATE_KEY = 11000;

const recordOf = (document: KeyDocument | null): KeyRecord => keyRecordOf(document);

/** Data keys as one document per customer in the read models' MongoDB database. */
export class MongoKeyStore implements KeyStore {
  private constructor(private readonly keys: Collection<KeyDocument>) {}

  static async create(db: Db): Promise<MongoKeyStore> {
    return new MongoKeyStore(db.collection<KeyDocument>('pii_data_keys'));
  }

  async find(customerId: string): Promise<KeyRecord> {
    return recordOf(await this.keys.findOne({ _id: customerId }));
  }

  async create(customerId: string, key: WrappedDataKey): Promise<KeyRecord> {
    try {
      await this.keys.insertOne({
        _id: customerId,
        kid: key.kid,
        wrapped: key.wrapped,
        createdAt: new Date().toISOString(),
      });
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
    }
    return this.find(customerId);
  }

  async shred(customerId: string, tombstone: Tombstone): Promise<void> {
    const shredded = {
      kid: null,
      wrapped: null,
      shreddedAt: tombstone.shreddedAt,
      reason: tombstone.reason,
      erasureEventId: tombstone.erasureEventId,
    };
    const { matchedCount } = await this.keys.updateOne(
      { _id: customerId, wrapped: { $ne: null } },
      { $set: shredded },
    );
    if (matchedCount === 1) return;
    // No key, or shredded already: a tombstone if there is no record at all.
    try {
      await this.keys.insertOne({ _id: customerId, createdAt: tombstone.shreddedAt, ...shredded });
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
      // Created concurrently since: shred that one (a tombstone stays as it is).
      await this.keys.updateOne({ _id: customerId, wrapped: { $ne: null } }, { $set: shredded });
    }
  }

  async rewrap(customerId: string, from: WrappedDataKey, to: WrappedDataKey): Promise<boolean> {
    const { matchedCount } = await this.keys.updateOne(
      { _id: customerId, wrapped: from.wrapped },
      { $set: { kid: to.kid, wrapped: to.wrapped } },
    );
    return matchedCount === 1;
  }

  async listActive(afterCustomerId: string | undefined, limit: number): Promise<ActiveKey[]> {
    const documents = await this.keys
      .find({
        wrapped: { $ne: null },
        ...(afterCustomerId === undefined ? {} : { _id: { $gt: afterCustomerId } }),
      })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    return documents.map((document) => ({
      customerId: document._id,
      key: { kid: document.kid!, wrapped: document.wrapped! },
    }));
  }

  async counts() {
    const [active, shredded] = await Promise.all([
      this.keys.countDocuments({ wrapped: { $ne: null } }),
      this.keys.countDocuments({ wrapped: null }),
    ]);
    return { active, shredded };
  }
}
