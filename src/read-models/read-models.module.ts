import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Db } from 'mongodb';
import { Environment } from '../config/environment';
import { SQL_CLIENT } from '../postgres/postgres.module';
import { SqlClient } from '../postgres/sql-client';
import { MongoConnection } from './mongo-connection';
import { MongoReadModelStore } from './mongo-read-model-store';
import { PostgresReadModelStore } from './postgres-read-model-store';
import { READ_MODEL_STORE, ReadModelStore } from './read-model-store.port';

/** The read models' MongoDB database when READ_MODEL_STORE=mongodb, null otherwise. */
export const READ_MODEL_MONGO_DB = Symbol('ReadModelMongoDb');

@Module({
  providers: [
    MongoConnection,
    {
      provide: READ_MODEL_MONGO_DB,
      inject: [ConfigService, MongoConnection],
      useFactory: (config: ConfigService<Environment, true>, mongo: MongoConnection) =>
        config.get('READ_MODEL_STORE', { infer: true }) === 'mongodb'
          ? mongo.open(
              // Validated at start-up: present whenever READ_MODEL_STORE=mongodb.
              config.getOrThrow('MONGODB_URL', { infer: true }),
              config.get('MONGODB_DATABASE', { infer: true }),
            )
          : null,
    },
    {
      provide: READ_MODEL_STORE,
      inject: [READ_MODEL_MONGO_DB, SQL_CLIENT],
      // The PostgreSQL client is shared; PostgresModule closes it at shutdown. It is present
      // whenever the read models are not in MongoDB.
      useFactory: (db: Db | null, sql: SqlClient | null): Promise<ReadModelStore> =>
        db ? MongoReadModelStore.create(db) : PostgresReadModelStore.create(sql!),
    },
  ],
  exports: [READ_MODEL_STORE, READ_MODEL_MONGO_DB],
})
export class ReadModelsModule {}
