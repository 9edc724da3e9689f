import { randomBytes } from 'node:crypto';
import { Collection, Db } from 'mongodb';
import { assertCollectionName, sameIndexedFields } from './collection-spec';
import { isDuplicateKey, upsertById } from './mongo-guarded-writes';
import { keyOf, MongoDocument } from './mongo-queries';
import {
  CollectionInUseError,
  CollectionSpecConflictError,
  IndexedField,
  UnknownCollectionError,
} from './read-model-store.port';

/** The store's own MongoDB collections, beside one storage collection per read-model collection. */
export const MONGO_CATALOG = {
  collections: 'read_model_collections',
  checkpoints: 'read_model_checkpoints',
  active: 'read_model_active_collections',
} as const;

export interface CatalogEntry {
  /** The read-model collection name. */
  readonly _id: string;
  readonly indexedFields: readonly IndexedField[];
  /**
   * The MongoDB collection holding the documents, named afresh at each creation: a writer that
   * still holds the entry of a dropped collection cannot put documents into its successor.
   */
  readonly storage: string;
  /** Set while a drop is under way, or was interrupted (repeating the drop finishes it). */
  readonly dropping?: true;
}

interface ActivePointer {
  /** The logical name. */
  readonly _id: string;
  readonly physical: string;
}

/**
 * Which read-model collections exist, with their specs and storage, and which one each logical
 * name points at. Without transactions, the races a foreign key settles on PostgreSQL are settled
 * by ordering: a drop marks the entry and then looks for pointers, a switch points and then looks
 * for the mark, so of a racing drop and switch at least one sees the other and backs out.
 */
export class MongoCatalog {
  private readonly entries: Collection<CatalogEntry>;
  private readonly pointers: Collection<ActivePointer>;

  private constructor(private readonly db: Db) {
    this.entries = db.collection<CatalogEntry>(MONGO_CATALOG.collections);
    this.pointers = db.collection<ActivePointer>(MONGO_CATALOG.active);
  }

  static async open(db: Db): Promise<MongoCatalog> {
    const catalog = new MongoCatalog(db);
    await catalog.pointers.createIndex({ physical: 1 });
    return catalog;
  }

  /** @throws UnknownCollectionError unless the collection exists (and is not being dropped). */
  async entry(name: string): Promise<CatalogEntry> {
    assertCollectionName(name);
    const entry = await this.entries.findOne({ _id: name });
    if (!entry || entry.dropping) throw new UnknownCollectionError(name);
    return entry;
  }

  storageOf(entry: CatalogEntry): Collection<MongoDocument> {
    return this.db.collection<MongoDocument>(entry.storage);
  }

  async ensure(name: string, fields: readonly IndexedField[]): Promise<void> {
    // Until the name has a live entry: a racing creator's is read back, a drop left
    // interrupted is finished first.
    for (;;) {
      const entry =
        (await this.entries.findOne({ _id: name })) ?? (await this.create(name, fields));
      if (!entry) continue;
      if (entry.dropping) {
        await this.drop(name);
        continue;
      }
      if (!sameIndexedFields(entry.indexedFields, fields)) {
        throw new CollectionSpecConflictError(name, entry.indexedFields, fields);
      }
      return;
    }
  }

  /**
   * Builds fresh storage with its indexes, then claims the name for it, so a claimed entry
   * always has its indexes. When another caller claimed the name first, its entry is returned
   * (none if it is already gone again) and our storage is dropped.
   */
  private async create(
    name: string,
    fields: readonly IndexedField[],
  ): Promise<CatalogEntry | null> {
    const entry: CatalogEntry = {
      _id: name,
      indexedFields: fields,
      storage: `rm_${name}_${randomBytes(4).toString('hex')}`,
    };
    const storage = await this.db.createCollection(entry.storage);
    if (fields.length > 0) {
      // (value, id) per field: the keyset order of find, and the group key of countBy.
      await storage.createIndexes(fields.map((field) => ({ key: { [keyOf(field)]: 1, _id: 1 } })));
    }
    try {
      await this.entries.insertOne(entry);
      return entry;
    } catch (error) {
      // Any other failure leaves the storage in place: the insert may have landed all the same.
      if (!isDuplicateKey(error)) throw error;
      const claimed = await this.entries.findOne({ _id: name });
      // Ours after all if the duplicate was the first attempt of a retried insert.
      if (claimed?.storage !== entry.storage) await storage.drop();
      return claimed;
    }
  }

  /**
   * Removes the storage and its checkpoints (the one of the same name, and `<name>#...`) before the entry, which says
   * "dropping" meanwhile, so the next drop or ensure finishes a drop that was interrupted.
   */
  async drop(name: string): Promise<void> {
    assertCollectionName(name);
    await this.assertNotActive(name);
    const entry = await this.entries.findOneAndUpdate(
      { _id: name },
      { $set: { dropping: true } },
      { returnDocument: 'after' },
    );
    if (entry) {
      try {
        await this.assertNotActive(name);
      } catch (error) {
        // A switch pointed here meanwhile: the collection stays.
        await this.entries.updateOne(
          { _id: name, storage: entry.storage },
          { $unset: { dropping: '' } },
        );
        throw error;
      }
      await this.db.collection(entry.storage).drop();
    }
    // Names are [a-z0-9_]: nothing in them is special to a regular expression.
    await this.db
      .collection<{ _id: string }>(MONGO_CATALOG.checkpoints)
      .deleteMany({ $or: [{ _id: name }, { _id: { $regex: `^${name}#` } }] });
    if (entry) await this.entries.deleteOne({ _id: name, storage: entry.storage });
  }

  async active(logical: string): Promise<string | undefined> {
    assertCollectionName(logical);
    return (await this.pointers.findOne({ _id: logical }))?.physical;
  }

  async setActive(logical: string, physical: string): Promise<void> {
    assertCollectionName(logical);
    await this.entry(physical);
    const previous = await upsertById(() =>
      this.pointers.findOneAndUpdate(
        { _id: logical },
        { $set: { physical } },
        { upsert: true, returnDocument: 'before' },
      ),
    );
    if (await this.entries.findOne({ _id: physical, dropping: { $ne: true } })) return;
    // A drop of `physical` began after the first check: point back where we were.
    if (previous) {
      await this.pointers.updateOne(
        { _id: logical, physical },
        { $set: { physical: previous.physical } },
      );
    } else {
      await this.pointers.deleteOne({ _id: logical, physical });
    }
    throw new UnknownCollectionError(physical);
  }

  private async assertNotActive(name: string): Promise<void> {
    const pointer = await this.pointers.findOne({ physical: name });
    if (pointer) throw new CollectionInUseError(name, pointer._id);
  }
}
