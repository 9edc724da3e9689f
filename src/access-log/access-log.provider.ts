import { Provider } from '@nestjs/common';
import { Db } from 'mongodb';
import { SQL_CLIENT } from '../postgres/postgres.module';
import { SqlClient } from '../postgres/sql-client';
import { READ_MODEL_MONGO_DB } from '../read-models/read-models.module';
import { ACCESS_LOG } from './access-log.port';
import { MongoAccessLog } from './mongo-access-log';
import { PostgresAccessLog } from './postgres-access-log';

/** The access log lives where the read models live (the PostgreSQL client is shared). */
export const accessLogProvider: Provider = {
  provide: ACCESS_LOG,
  inject: [READ_MODEL_MONGO_DB, SQL_CLIENT],
  useFactory: (db: Db | null, sql: SqlClient | null) =>
    db ? MongoAccessLog.create(db) : PostgresAccessLog.create(sql!),
};
