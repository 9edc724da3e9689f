import { Module } from '@nestjs/common';
import { SQL_CLIENT } from '../postgres/postgres.module';
import { SqlClient } from '../postgres/sql-client';
import { EVENT_STORE } from './event-store.port';
import { PostgresEventStore } from './postgres-event-store';

@Module({
  providers: [
    {
      provide: EVENT_STORE,
      inject: [SQL_CLIENT],
      // The store shares the database client, which PostgresModule closes at shutdown.
      useFactory: (sql: SqlClient) => PostgresEventStore.create(sql),
    },
  ],
  exports: [EVENT_STORE],
})
export class EventStoreModule {}
