import { Collection, Db, MongoClient } from 'mongodb';
import { randomBytes, randomUUID } from 'node:crypto';
import { MONGO_CATALOG } from '../../src/read-models/mongo-catalog';
import { MongoReadModelStore } from '../../src/read-models/mongo-read-model-store';
import {
  CollectionInUseError,
  CollectionSpec,
  DocumentWrite,
  READ_MODEL_STORE,
  UnknownCollectionError,
} from '../../src/read-models/read-model-store.port';
import { startApp } from '../support/app';
import { describeWithServer, MONGODB } from '../support/servers';
import { touchpoints } from '../support/touchpoints';
import { readModelStoreContract } from './read-model-store.contract';

const spec = (name: string): CollectionSpec => ({
  name,
  indexedFields: [{ path: 'tier', type: 'string' }],
});

describeWithServer(MONGODB, 'MongoReadModelStore on a MongoDB-wire server', (url) => {
  /** A database of its own per store, dropped with it. */
  async function freshDatabase(): Promise<{ client: MongoClient; db: Db; close(): Promise<void> }> {
    const client = await MongoClient.connect(url);
    const db = client.db(`cle_test_${randomBytes(6).toString('hex')}`);
    return {
      client,
      db,
      async close() {
        await db.dropDatabase();
        await client.close();
      },
    };
  }

  describe('contract', () => {
    readModelStoreContract(async () => {
      const { db, close } = await freshDatabase();
      return { store: await MongoReadModelStore.create(db), close };
    });
  });

  describe('without transactions', () => {
    let database: Awaited<ReturnType<typeof freshDatabase>>;
    let store: MongoReadModelStore;
    beforeAll(async () => {
      database = await freshDatabase();
      store = await MongoReadModelStore.create(database.db);
    });
    afterAll(() => database.close());

    const aCollection = async () => {
      const name = `t_${randomBytes(6).toString('hex')}`;
      await store.ensureCollection(spec(name));
      return name;
    };

    /** The same database, except that every checkpoint update fails as a crash would stop it. */
    function failingCheckpoints(db: Db): Db {
      const checkpoints = db.collection(MONGO_CATALOG.checkpoints);
      const failing = Object.assign(Object.create(checkpoints) as Collection, {
        updateOne: () => Promise.reject(new Error('checkpoint write failed')),
      });
      return Object.assign(Object.create(db) as Db, {
        collection: (name: string) =>
          name === MONGO_CATALOG.checkpoints ? failing : db.collection(name),
      });
    }

    it('keeps documents written before a failed checkpoint; the replay is ignored and then moves the checkpoint', async () => {
      const name = await aCollection();
      const batch: DocumentWrite[] = [
        { id: 'c01', version: 3, body: { tier: 'mass' } },
        { id: 'c02', version: 1, body: { tier: 'affluent' } },
      ];
      const crashing = await MongoReadModelStore.create(failingCheckpoints(database.db));
      await expect(crashing.write(name, batch, { name, position: 40n })).rejects.toThrow(
        'checkpoint write failed',
      );
      expect(await store.get(name, 'c01')).toEqual(batch[0]);
      expect(await store.readCheckpoint(name)).toBeUndefined();

      expect(await store.write(name, batch, { name, position: 40n })).toEqual({
        written: 0,
        ignored: 2,
      });
      expect(await store.readCheckpoint(name)).toBe(40n);
      expect((await store.find(name, { limit: 10 })).documents).toEqual(batch);
    });

    it('lets the highest version win when two processes first write the same ids', async () => {
      const name = await aCollection();
      const other = await freshDatabase();
      try {
        // Another client, as another process would have: no serialisation in common.
        const second = await MongoReadModelStore.create(other.client.db(database.db.databaseName));
        for (const [round, [first, last]] of [
          [1, 2],
          [2, 1],
          [3, 4],
          [4, 3],
        ].entries()) {
          // Ids new to both writers, so both try to insert each and one meets a duplicate key,
          // whichever of them gets there first.
          const ids = Array.from({ length: 25 }, (_, index) => `r${round}c${index}`);
          const batch = (version: number): DocumentWrite[] =>
            ids.map((id) => ({ id, version, body: { tier: `v${version}` } }));
          const highest = Math.max(first, last);
          const results = await Promise.all([
            store.write(name, batch(first)),
            second.write(name, batch(last)),
          ]);
          expect(results[first === highest ? 0 : 1]).toEqual({ written: ids.length, ignored: 0 });
          const { documents } = await store.find(name, {
            where: { id: { in: ids } },
            limit: 100,
          });
          expect(documents.map((document) => document.version)).toEqual(ids.map(() => highest));
        }
        expect(await store.countBy(name, 'tier')).toEqual({ v2: 50, v4: 50 });
      } finally {
        await other.client.close();
      }
    });

    it('never leaves a logical name pointing at a collection dropped while it switched', async () => {
      for (let round = 0; round < 30; round++) {
        const physical = await aCollection();
        const logical = `l_${randomBytes(6).toString('hex')}`;
        const [dropped, switched] = await Promise.allSettled([
          store.dropCollection(physical),
          store.setActiveCollection(logical, physical),
        ]);
        const pointer = await store.activeCollection(logical);
        const exists = await store.find(physical, { limit: 1 }).then(
          () => true,
          () => false,
        );
        // Either may back out, both may: whoever stays sees a consistent catalog.
        if (switched.status === 'fulfilled') {
          expect({ pointer, exists }).toEqual({ pointer: physical, exists: true });
        } else {
          expect(switched.reason).toBeInstanceOf(UnknownCollectionError);
          expect(pointer).toBeUndefined();
        }
        if (dropped.status === 'rejected') {
          expect(dropped.reason).toBeInstanceOf(CollectionInUseError);
        }
        expect(exists).toBe(dropped.status === 'rejected');
      }
    });

    it('finishes an interrupted drop before creating the name again', async () => {
      const name = await aCollection();
      await store.write(name, [{ id: 'c01', version: 1, body: { tier: 'mass' } }], {
        name,
        position: 9n,
      });
      // A drop that stopped after marking the entry: the collection is gone to every reader.
      await database.db
        .collection<{ _id: string; dropping?: true }>(MONGO_CATALOG.collections)
        .updateOne({ _id: name }, { $set: { dropping: true } });
      await expect(store.get(name, 'c01')).rejects.toThrow(`${name} does not exist`);

      await store.ensureCollection({ name, indexedFields: [{ path: 'tier', type: 'number' }] });
      expect(await store.find(name, { limit: 10 })).toEqual({ documents: [] });
      expect(await store.readCheckpoint(name)).toBeUndefined();
    });

    it('creates each storage collection once, with its indexes, under concurrent ensures', async () => {
      const name = `t_${randomBytes(6).toString('hex')}`;
      await Promise.all(Array.from({ length: 6 }, () => store.ensureCollection(spec(name))));
      const storages = (await database.db.listCollections({}, { nameOnly: true }).toArray())
        .map((collection) => collection.name)
        .filter((collection) => collection.startsWith(`rm_${name}_`));
      expect(storages).toHaveLength(1);
      const indexes = await database.db.collection(storages[0]).indexes();
      expect(indexes.map((index) => index.key)).toEqual(
        expect.arrayContaining([{ f_tier: 1, _id: 1 }]),
      );
    });
  });

  describe('in the app, with READ_MODEL_STORE=mongodb', () => {
    it('projects into MongoDB, serves the customer from there, and closes the client at shutdown', async () => {
      const database = await freshDatabase();
      const customerId = `c-${randomUUID()}`;
      const running = await startApp({
        READ_MODEL_STORE: 'mongodb',
        MONGODB_URL: url,
        MONGODB_DATABASE: database.db.databaseName,
        READ_YOUR_WRITES_TIMEOUT_MS: '10000',
      });
      const closes = jest.spyOn(MongoClient.prototype, 'close');
      try {
        expect(running.app.get(READ_MODEL_STORE)).toBeInstanceOf(MongoReadModelStore);
        const ingested = await running
          .http()
          .post('/v1/touchpoints')
          .send({ touchpoints: [touchpoints.prospect(customerId, '2025-01-05T09:00:00Z')] })
          .expect(200);
        const customer = await running
          .http()
          .get(`/v1/customers/${customerId}?minPosition=${ingested.body.position}`)
          .expect(200);
        expect(customer.body).toMatchObject({ customerId, lifecycle: { stage: 'prospect' } });
        const catalog = await database.db
          .collection<{ _id: string }>(MONGO_CATALOG.collections)
          .find()
          .toArray();
        expect(catalog.map((entry) => entry._id)).toEqual(
          expect.arrayContaining([expect.stringMatching(/^customers_g\d+$/)]),
        );
      } finally {
        await running.close();
        await database.close();
      }
      // The app's client, then the test's own.
      expect(closes).toHaveBeenCalledTimes(2);
      closes.mockRestore();
    });
  });
});
