import { PgSqlClient } from '../../src/postgres/pg-sql-client';
import { PostgresReadModelStore } from '../../src/read-models/postgres-read-model-store';
import { describeWithServer, POSTGRES } from '../support/servers';
import {
  postgresWriteAtomicityContract,
  readModelStoreContract,
} from './read-model-store.contract';

describeWithServer(POSTGRES, 'PostgresReadModelStore on a PostgreSQL server', (url) => {
  describe('contract', () => {
    readModelStoreContract(async () => {
      const sql = await PgSqlClient.connect(url, 30);
      return { store: await PostgresReadModelStore.create(sql), close: () => sql.close() };
    });
  });

  describe('transactions', () => {
    postgresWriteAtomicityContract(
      () => PgSqlClient.connect(url, 5),
      (sql) => PostgresReadModelStore.create(sql),
    );
  });
});
