import { Provider } from '@nestjs/common';
import { Db } from 'mongodb';
import { SQL_CLIENT } from '../../postgres/postgres.module';
import { SqlClient } from '../../postgres/sql-client';
import { READ_MODEL_MONGO_DB } from '../../read-models/read-models.module';
import { LEASE_STORE } from './lease.port';
import { MongoLeaseStore } from './mongo-lease-store';
import { PostgresLeaseStore } from './postgres-lease-store';

/** Leases live where the read models live: the runner needs that store anyway. */
export const leaseStoreProvider: Provider = {
  provide: LEASE_STORE,
  inject: [READ_MODEL_MONGO_DB, SQL_CLIENT],
  useFactory: (db: Db | null, sql: SqlClient | null) =>
    db ? MongoLeaseStore.create(db) : PostgresLeaseStore.create(sql!),
};
