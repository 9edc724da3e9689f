import { MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryLeaseStore } from '../../src/projection-engine/lease/in-memory-lease-store';
import { MongoLeaseStore } from '../../src/projection-engine/lease/mongo-lease-store';
import { PostgresLeaseStore } from '../../src/projection-engine/lease/postgres-lease-store';
import { PgSqlClient } from '../../src/postgres/pg-sql-client';
import { PgliteSqlClient } from '../../src/postgres/pglite-sql-client';
import { describeWithServer, MONGODB, POSTGRES } from '../support/servers';
import { leaseStoreContract } from './lease.contract';

describe('InMemoryLeaseStore', () => {
  leaseStoreContract(async () => ({ store: new InMemoryLeaseStore(), close: async () => {} }));
});

describe('PostgresLeaseStore on PGlite', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cle-pglite-lease-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  leaseStoreContract(async () => {
    const sql = await PgliteSqlClient.open(dataDir);
    return { store: await PostgresLeaseStore.create(sql), close: () => sql.close() };
  });
});

describeWithServer(POSTGRES, 'PostgresLeaseStore on a PostgreSQL server', (url) => {
  leaseStoreContract(async () => {
    const sql = await PgSqlClient.connect(url, 20);
    return { store: await PostgresLeaseStore.create(sql), close: () => sql.close() };
  });
});

describeWithServer(MONGODB, 'MongoLeaseStore on a MongoDB-wire server', (url) => {
  leaseStoreContract(async () => {
    const client = await new MongoClient(url).connect();
    const db = client.db(`cle_lease_${randomUUID().replace(/-/g, '').slice(0, 12)}`);
    return {
      store: await MongoLeaseStore.create(db),
      close: async () => {
        await db.dropDatabase();
        await client.close();
      },
    };
  });
});
