import { InMemoryEventStore } from '../../src/event-store/in-memory-event-store';
import { eventStoreContract } from './event-store.contract';

describe('InMemoryEventStore contract', () => {
  eventStoreContract(async () => new InMemoryEventStore());
});
