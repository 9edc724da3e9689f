import { InMemoryPublisher } from '../../src/publishing/in-memory-publisher';
import { publisherContract } from './publisher.contract';

describe('InMemoryPublisher contract', () => {
  publisherContract(async () => {
    const publisher = new InMemoryPublisher();
    return {
      publisher,
      deliveredFor: async (customerIds) =>
        publisher.messages
          .filter((message) => customerIds.includes(message.customerId))
          .map(({ sequence: _, ...message }) => message),
      close: () => publisher.close(),
    };
  });
});
