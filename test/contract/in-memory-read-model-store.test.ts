import { InMemoryReadModelStore } from '../../src/read-models/in-memory-read-model-store';
import { readModelStoreContract } from './read-model-store.contract';

describe('InMemoryReadModelStore contract', () => {
  readModelStoreContract(async () => ({
    store: new InMemoryReadModelStore(),
    close: async () => undefined,
  }));
});
