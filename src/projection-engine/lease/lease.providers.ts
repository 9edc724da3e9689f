import { Provider } from '@nestjs/common';
import { SQL_CLIENT } from '../../postgres/postgres.module';
import { SqlClient } from '../../postgres/sql-client';
import { LEASE_STORE } from './lease.port';
import { PostgresLeaseStore } from './postgres-lease-store';

/** Leases live where the read models live. */
export const leaseStoreProvider: Provider = {
  provide: LEASE_STORE,
  inject: [SQL_CLIENT],
  useFactory: (sql: SqlClient) => PostgresLeaseStore.create(sql),
};
