import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { resolve } from 'node:path';
import { Environment } from '../config/environment';
import { PgSqlClient } from './pg-sql-client';
import { PgliteSqlClient } from './pglite-sql-client';
import { SqlClient } from './sql-client';

export const SQL_CLIENT = Symbol('SqlClient');

/**
 * The PostgreSQL-dialect database: a server when DATABASE_URL is set, embedded PGlite otherwise;
 * null when neither the events nor the read models live in PostgreSQL.
 */
@Global()
@Module({
  providers: [
    {
      provide: SQL_CLIENT,
      inject: [ConfigService],
      useFactory: async (config: ConfigService<Environment, true>): Promise<SqlClient | null> => {
        if (
          config.get('EVENT_STORE', { infer: true }) !== 'postgres' &&
          config.get('READ_MODEL_STORE', { infer: true }) !== 'postgres'
        )
          return null;
        const logger = new Logger('Database');
        const url = config.get('DATABASE_URL', { infer: true });
        if (url) {
          const client = await PgSqlClient.connect(
            url,
            config.get('DATABASE_POOL_SIZE', { infer: true }),
          );
          logger.log(`PostgreSQL server at ${new URL(url).host}`);
          return client;
        }
        const dataDir = resolve(config.get('DATA_DIR', { infer: true }), 'pglite');
        logger.log(`embedded PGlite in ${dataDir}`);
        return PgliteSqlClient.open(dataDir);
      },
    },
  ],
  exports: [SQL_CLIENT],
})
export class PostgresModule implements OnApplicationShutdown {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.sql?.close();
  }
}
