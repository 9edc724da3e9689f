import { MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgSqlClient } from '../../src/postgres/pg-sql-client';
import { PgliteSqlClient } from '../../src/postgres/pglite-sql-client';
import { InMemoryKeyStore } from '../../src/privacy/in-memory-key-store';
import { MongoKeyStore } from '../../src/privacy/mongo-key-store';
import { PostgresKeyStore } from '../../src/privacy/postgres-key-store';
import { describeWithServer, freshPostgresDatabase, MONGODB, POSTGRES } from '../support/servers';
import { keyStoreContract } from './key-store.contract';

describe('InMemoryKeyStore', () => {
  keyStoreContract(async () => ({ store: new InMemoryKeyStore(), close: async () => {} }));
});

describe('PostgresKeyStore on PGlite', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cle-pglite-keys-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  keyStoreContract(async () => {
    const sql = await PgliteSqlClient.open(dataDir);
    return { store: await PostgresKeyStore.create(sql), close: () => sql.close() };
  });
});

describeWithServer(POSTGRES, 'PostgresKeyStore on a PostgreSQL server', (url) => {
  keyStoreContract(async () => {
    const database = await freshPostgresDatabase(url);
    const sql = await PgSqlClient.connect(database.url, 10);
    return {
      store: await PostgresKeyStore.create(sql),
      close: async () => {
        await sql.close();
        await database.drop();
      },
    };
  });
});

describeWithServer(MONGODB, 'MongoKeyStore on a MongoDB-wire server', (url) => {
  keyStoreContract(async () => {
    const client = await new MongoClient(url).connect();
    const db = client.db(`cle_keys_${randomUUID().replace(/-/g, '').slice(0, 12)}`);
    return {
      store: await MongoKeyStore.create(db),
      close: async () => {
        await db.dropDatabase();
        await client.close();
      },
    };
  });
});
