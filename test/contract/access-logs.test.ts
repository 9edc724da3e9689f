import { MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryAccessLog } from '../../src/access-log/in-memory-access-log';
import { MongoAccessLog } from '../../src/access-log/mongo-access-log';
import { PostgresAccessLog } from '../../src/access-log/postgres-access-log';
import { PgSqlClient } from '../../src/postgres/pg-sql-client';
import { PgliteSqlClient } from '../../src/postgres/pglite-sql-client';
import { describeWithServer, freshPostgresDatabase, MONGODB, POSTGRES } from '../support/servers';
import { accessLogContract } from './access-log.contract';

describe('InMemoryAccessLog', () => {
  accessLogContract(async () => ({ log: new InMemoryAccessLog(), close: async () => {} }));
});

describe('PostgresAccessLog on PGlite', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cle-pglite-access-log-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  accessLogContract(
    async () => {
      const sql = await PgliteSqlClient.open(dataDir);
      return {
        log: await PostgresAccessLog.create(sql),
        sql,
        reopen: () => PostgresAccessLog.create(sql),
        close: () => sql.close(),
      };
    },
    { appendOnlyInDatabase: true, reopens: true },
  );
});

describeWithServer(POSTGRES, 'PostgresAccessLog on a PostgreSQL server', (url) => {
  accessLogContract(
    async () => {
      const database = await freshPostgresDatabase(url);
      const sql = await PgSqlClient.connect(database.url, 10);
      return {
        log: await PostgresAccessLog.create(sql),
        sql,
        reopen: () => PostgresAccessLog.create(sql),
        close: async () => {
          await sql.close();
          await database.drop();
        },
      };
    },
    { appendOnlyInDatabase: true, reopens: true },
  );
});

describeWithServer(MONGODB, 'MongoAccessLog on a MongoDB-wire server', (url) => {
  accessLogContract(
    async () => {
      const client = await new MongoClient(url).connect();
      const db = client.db(`cle_access_${randomUUID().replace(/-/g, '').slice(0, 12)}`);
      return {
        log: await MongoAccessLog.create(db),
        reopen: () => MongoAccessLog.create(db),
        close: async () => {
          await db.dropDatabase();
          await client.close();
        },
      };
    },
    { reopens: true },
  );
});
