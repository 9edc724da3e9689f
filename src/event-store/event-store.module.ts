import { Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Environment } from '../config/environment';
import { SQL_CLIENT } from '../postgres/postgres.module';
import { SqlClient } from '../postgres/sql-client';
import { EventStoreDbEventStore } from './eventstoredb-event-store';
import { EVENT_STORE, EventStore } from './event-store.port';
import { PostgresEventStore } from './postgres-event-store';

/** Events on PostgreSQL (default) or, with EVENT_STORE=eventstoredb, on EventStoreDB. */
@Module({
  providers: [
    {
      provide: EVENT_STORE,
      inject: [ConfigService, SQL_CLIENT],
      useFactory: async (
        config: ConfigService<Environment, true>,
        sql: SqlClient | null,
      ): Promise<EventStore> => {
        if (config.get('EVENT_STORE', { infer: true }) === 'eventstoredb') {
          // Validated at start-up: present whenever EVENT_STORE=eventstoredb.
          const url = config.get('EVENTSTOREDB_URL', { infer: true }) as string;
          const store = await EventStoreDbEventStore.connect(url);
          new Logger('EventStore').log(`EventStoreDB at ${url.replace(/\/\/[^@/]*@/, '//')}`);
          return store;
        }
        // Shares the database client, which PostgresModule closes at shutdown; present whenever
        // EVENT_STORE=postgres.
        return PostgresEventStore.create(sql!);
      },
    },
  ],
  exports: [EVENT_STORE],
})
export class EventStoreModule implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    // Only the EventStoreDB client is this module's own to dispose.
    if (this.store instanceof EventStoreDbEventStore) await this.store.close();
  }
}
