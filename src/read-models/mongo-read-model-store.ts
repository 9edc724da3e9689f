import { Collection, Db } from 'mongodb';
import { KeyedSerialiser } from '../shared/keyed-serialiser';
import { resolveField, validatedSpec } from './collection-spec';
import { assertCheckpoint, normalVersion, planWrites } from './document-writes';
import { pageOf, planFind, planWhere } from './find-plan';
import { MONGO_CATALOG, MongoCatalog } from './mongo-catalog';
import { upsertById, writeNewer } from './mongo-guarded-writes';
import { filterOf, keyOf, keysetOf, MongoDocument, sortOf, toMongoDocument } from './mongo-queries';
import {
  Checkpoint,
  CollectionSpec,
  DocumentWrite,
  FindQuery,
  Page,
  ReadModelStore,
  Scalar,
  StoredDocument,
  Where,
  WriteResult,
} from './read-model-store.port';

interface StoredCheckpoint {
  /** The checkpoint name. */
  readonly _id: string;
  /** An int64; read back as a bigint. */
  readonly position: bigint;
}

const BODY = { version: 1, json: 1 } as const;

const toDocument = ({ _id, version, json }: Pick<MongoDocument, '_id' | 'version' | 'json'>) => ({
  id: _id,
  version: normalVersion(version),
  body: JSON.parse(json) as Record<string, unknown>,
});

/**
 * The read-model store on MongoDB (and FerretDB v1, which the tests run against): one storage
 * collection per read-model collection, no multi-document transactions. A write puts the
 * documents first, each version-guarded on its own, and the checkpoint after; a crash between
 * them replays documents the guard then ignores (port, `write`).
 *
 * The catalog is read on every call rather than cached: MongoDB answers a query on a dropped
 * collection with nothing and recreates it on a write, so only the catalog can tell that a
 * collection was dropped elsewhere.
 */
export class MongoReadModelStore implements ReadModelStore {
  /**
   * Writes to one collection, and to one checkpoint, run one at a time in this process.
   * FerretDB v1 applies an update by evaluating its filter and then rewriting the document,
   * with nothing in between to stop a concurrent update, so a lower version can overwrite a
   * higher one, and `$max` can move a checkpoint back. MongoDB applies both atomically, which
   * keeps writers in separate processes correct there.
   */
  private readonly writers = new KeyedSerialiser();
  private readonly checkpoints: Collection<StoredCheckpoint>;

  private constructor(
    db: Db,
    private readonly catalog: MongoCatalog,
  ) {
    this.checkpoints = db.collection<StoredCheckpoint>(MONGO_CATALOG.checkpoints);
  }

  static async create(db: Db): Promise<MongoReadModelStore> {
    return new MongoReadModelStore(db, await MongoCatalog.open(db));
  }

  async ensureCollection(spec: CollectionSpec): Promise<void> {
    await this.catalog.ensure(spec.name, validatedSpec(spec));
  }

  async write(
    collection: string,
    writes: readonly DocumentWrite[],
    checkpoint?: Checkpoint,
  ): Promise<WriteResult> {
    const entry = await this.catalog.entry(collection);
    const { documents } = planWrites(collection, entry.indexedFields, writes);
    if (checkpoint) assertCheckpoint(checkpoint);
    const stored = documents.map((document) => toMongoDocument(entry.indexedFields, document));
    const written = await this.writers.run(`documents ${entry.storage}`, () =>
      writeNewer(this.catalog.storageOf(entry), stored),
    );
    if (checkpoint) {
      const { name, position } = checkpoint;
      await this.writers.run(`checkpoint ${name}`, () =>
        upsertById(() =>
          this.checkpoints.updateOne({ _id: name }, { $max: { position } }, { upsert: true }),
        ),
      );
    }
    return { written, ignored: writes.length - written };
  }

  async get(collection: string, id: string): Promise<StoredDocument | undefined> {
    const entry = await this.catalog.entry(collection);
    const found = await this.catalog
      .storageOf(entry)
      .findOne({ _id: id }, { projection: BODY, useBigInt64: true });
    return found ? toDocument(found) : undefined;
  }

  async find(collection: string, query: FindQuery): Promise<Page> {
    const entry = await this.catalog.entry(collection);
    const plan = planFind(collection, entry.indexedFields, query);
    // One document more than asked tells whether another page follows.
    const found = await this.catalog
      .storageOf(entry)
      .find(filterOf(plan.predicates, keysetOf(plan)), { useBigInt64: true })
      .sort(sortOf(plan))
      .limit(plan.limit + 1)
      .project<MongoDocument>(BODY)
      .toArray();
    return pageOf(plan, found.map(toDocument));
  }

  async countBy(
    collection: string,
    field: string,
    where?: Where,
  ): Promise<Readonly<Record<string, number>>> {
    const entry = await this.catalog.entry(collection);
    const group = resolveField(collection, entry.indexedFields, field, false);
    const predicates = planWhere(collection, entry.indexedFields, where);
    const groups = await this.catalog
      .storageOf(entry)
      .aggregate<{ _id: Scalar; count: number }>([
        { $match: filterOf(predicates) },
        { $group: { _id: `$${keyOf(group)}`, count: { $sum: 1 } } },
      ])
      .toArray();
    // String() of a finite number is its JSON text, and of null "null", as the port keys them.
    return Object.fromEntries(groups.map((counted) => [String(counted._id), counted.count]));
  }

  async readCheckpoint(name: string): Promise<bigint | undefined> {
    const found = await this.checkpoints.findOne({ _id: name }, { useBigInt64: true });
    return found?.position;
  }

  async dropCollection(name: string): Promise<void> {
    await this.catalog.drop(name);
  }

  async activeCollection(logical: string): Promise<string | undefined> {
    return this.catalog.active(logical);
  }

  async setActiveCollection(logical: string, physical: string): Promise<void> {
    await this.catalog.setActive(logical, physical);
  }
}
