import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Environment } from '../config/environment';
import { EmbeddedDatabase, openEmbeddedDatabase } from './embedded-database';
import { PgSqlClient } from './pg-sql-client';
import { SqlClient } from './sql-client';
import { StorageGuard } from './storage-guard';

export const SQL_CLIENT = Symbol('SqlClient');
/** The embedded database and its data-folder lock; null on a PostgreSQL server or none at all. */
export const EMBEDDED_DATABASE = Symbol('EmbeddedDatabase');

const usesPostgres = (config: ConfigService<Environment, true>) =>
  config.get('EVENT_STORE', { infer: true }) === 'postgres' ||
  config.get('READ_MODEL_STORE', { infer: true }) === 'postgres';

/**
 * The PostgreSQL-dialect database: a server when DATABASE_URL is set, embedded PGlite otherwise;
 * null when neither the events nor the read models live in PostgreSQL. Also the storage guard
 * that refuses writes before its volume is full.
 */
@Global()
@Module({
  providers: [
    {
      provide: EMBEDDED_DATABASE,
      inject: [ConfigService],
      useFactory: async (
        config: ConfigService<Environment, true>,
      ): Promise<EmbeddedDatabase | null> => {
        if (!usesPostgres(config) || config.get('DATABASE_URL', { infer: true })) return null;
        const durable = config.get('EMBEDDED_FSYNC', { infer: true });
        const embedded = await openEmbeddedDatabase(config.get('DATA_DIR', { infer: true }), {
          durable,
        });
        const logger = new Logger('Database');
        logger.log(`embedded PGlite in ${embedded.folder}/pglite, owned by this process`);
        if (!durable)
          logger.warn(
            'EMBEDDED_FSYNC=false: a host crash or power loss can lose acknowledged events',
          );
        return embedded;
      },
    },
    {
      provide: SQL_CLIENT,
      inject: [ConfigService, EMBEDDED_DATABASE],
      useFactory: async (
        config: ConfigService<Environment, true>,
        embedded: EmbeddedDatabase | null,
      ): Promise<SqlClient | null> => {
        if (embedded) return embedded.client;
        const url = config.get('DATABASE_URL', { infer: true });
        if (!usesPostgres(config) || !url) return null;
        const client = await PgSqlClient.connect(
          url,
          config.get('DATABASE_POOL_SIZE', { infer: true }),
        );
        new Logger('Database').log(`PostgreSQL server at ${new URL(url).host}`);
        return client;
      },
    },
    {
      provide: StorageGuard,
      inject: [ConfigService, EMBEDDED_DATABASE],
      useFactory: (config: ConfigService<Environment, true>, embedded: EmbeddedDatabase | null) => {
        if (!embedded) return new StorageGuard();
        const reserveMb = config.get('DATA_DIR_MIN_FREE_MB', { infer: true });
        return new StorageGuard({
          folder: embedded.folder,
          reserveBytes: reserveMb === undefined ? undefined : reserveMb * 1024 * 1024,
        });
      },
    },
  ],
  exports: [SQL_CLIENT, EMBEDDED_DATABASE, StorageGuard],
})
export class PostgresModule implements OnApplicationShutdown {
  constructor(
    @Inject(SQL_CLIENT) private readonly sql: SqlClient | null,
    @Inject(EMBEDDED_DATABASE) private readonly embedded: EmbeddedDatabase | null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    // The embedded database closes before its folder's lock is released.
    if (this.embedded) await this.embedded.close();
    else await this.sql?.close();
  }
}
