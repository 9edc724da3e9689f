import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Db, MongoClient } from 'mongodb';

/**
 * The MongoDB client of the read models, when READ_MODEL_STORE=mongodb. Closed at application
 * shutdown, after the projection engine has stopped writing (it stops before shutdown).
 */
@Injectable()
export class MongoConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('ReadModels');
  private client?: MongoClient;

  async open(url: string, database: string): Promise<Db> {
    this.client = await MongoClient.connect(url, { appName: 'customer-lifecycle-engine' });
    // Hosts and database only: the URL may carry credentials.
    const hosts = this.client.options.hosts.map((host) => host.toString()).join(',');
    this.logger.log(`MongoDB read models in ${database} at ${hosts}`);
    return this.client.db(database);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client?.close();
    this.client = undefined;
  }
}
