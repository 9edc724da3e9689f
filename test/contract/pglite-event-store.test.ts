import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresEventStore } from '../../src/event-store/postgres-event-store';
import { PgliteSqlClient } from '../../src/postgres/pglite-sql-client';
import { eventStoreContract } from './event-store.contract';

describe('PostgresEventStore on PGlite (persisted to disk) contract', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cle-pglite-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  eventStoreContract(async () => PostgresEventStore.create(await PgliteSqlClient.open(dataDir)));
});
