import { Module } from '@nestjs/common';
import { SQL_CLIENT } from '../postgres/postgres.module';
import { SqlClient } from '../postgres/sql-client';
import { PostgresReadModelStore } from './postgres-read-model-store';
import { READ_MODEL_STORE } from './read-model-store.port';

@Module({
  providers: [
    {
      provide: READ_MODEL_STORE,
      inject: [SQL_CLIENT],
      // Shares the database client, which PostgresModule closes at shutdown.
      useFactory: (sql: SqlClient) => PostgresReadModelStore.create(sql),
    },
  ],
  exports: [READ_MODEL_STORE],
})
export class ReadModelsModule {}
