import { PostgresEventStore } from '../../src/event-store/postgres-event-store';
import { PgSqlClient } from '../../src/postgres/pg-sql-client';
import { describeWithServer, POSTGRES } from '../support/servers';
import { eventStoreContract } from './event-store.contract';

describeWithServer(POSTGRES, 'PostgresEventStore on a PostgreSQL server contract', (url) => {
  eventStoreContract(async () => PostgresEventStore.create(await PgSqlClient.connect(url, 30)));
});
