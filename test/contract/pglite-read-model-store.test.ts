import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgliteSqlClient } from '../../src/postgres/pglite-sql-client';
import { PostgresReadModelStore } from '../../src/read-models/postgres-read-model-store';
import {
  postgresWriteAtomicityContract,
  readModelStoreContract,
} from './read-model-store.contract';

describe('PostgresReadModelStore on PGlite (persisted to disk)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cle-pglite-rm-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  describe('contract', () => {
    readModelStoreContract(async () => {
      const sql = await PgliteSqlClient.open(join(dataDir, 'contract'));
      return { store: await PostgresReadModelStore.create(sql), close: () => sql.close() };
    });
  });

  describe('transactions', () => {
    postgresWriteAtomicityContract(
      () => PgliteSqlClient.open(join(dataDir, 'transactions')),
      (sql) => PostgresReadModelStore.create(sql),
    );
  });
});
