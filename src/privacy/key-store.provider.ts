import { Provider } from '@nestjs/common';
import { Db } from 'mongodb';
import { SQL_CLIENT } from '../postgres/postgres.module';
import { SqlClient } from '../postgres/sql-client';
import { READ_MODEL_MONGO_DB } from '../read-models/read-models.module';
import { KEY_STORE } from './key-store.port';
import { MongoKeyStore } from './mongo-key-store';
import { PostgresKeyStore } from './postgres-key-store';

/** Data keys live where the read models live: beside them, never in the event log. */
export const keyStoreProvider: Provider = {
  provide: KEY_STORE,
  inject: [READ_MODEL_MONGO_DB, SQL_CLIENT],
  useFactory: (db: Db | null, sql: SqlClient | null) =>
    db ? MongoKeyStore.create(db) : PostgresKeyStore.create(sql!),
};
