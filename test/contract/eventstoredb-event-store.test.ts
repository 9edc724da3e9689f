import { randomUUID } from 'node:crypto';
import { EventStoreDbEventStore } from '../../src/event-store/eventstoredb-event-store';
import { describeWithServer, EVENTSTOREDB } from '../support/servers';
import { eventStoreContract } from './event-store.contract';

describeWithServer(
  EVENTSTOREDB,
  'EventStoreDbEventStore on an EventStoreDB server contract',
  (url) => {
    // The server outlives test runs and may serve several at once: each store instance gets its
    // own namespace, so its $all reads and subscriptions see only the streams it wrote.
    eventStoreContract(() =>
      EventStoreDbEventStore.connect(url, { namespace: `test-${randomUUID()}-` }),
    );
  },
);
