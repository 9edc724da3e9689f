import { Publisher } from '../../src/publishing/publisher.port';
import { OutboundMessage } from '../../src/outbox/outbound-message';
import { interleaved, outbound, uniqueCustomers } from '../support/outbound-messages';

/** A message as a downstream consumer gets it back: everything but the outbox's own sequence. */
export type DeliveredMessage = Omit<OutboundMessage, 'sequence'>;

export interface PublisherUnderTest {
  readonly publisher: Publisher;
  /**
   * What was delivered for these customers, in delivery order, once at least `count` messages
   * arrived (and, for a real broker, a moment after, so that extras would show).
   */
  deliveredFor(customerIds: readonly string[], count: number): Promise<readonly DeliveredMessage[]>;
  close(): Promise<void>;
}

const delivered = ({ sequence: _, ...message }: OutboundMessage): DeliveredMessage => message;

/** Each (customer, topic) stream of ids, the unit Kafka orders (one key, one partition). */
function streams(messages: readonly DeliveredMessage[]): Map<string, string[]> {
  const byStream = new Map<string, string[]>();
  for (const message of messages) {
    const key = `${message.customerId} ${message.topic}`;
    byStream.set(key, [...(byStream.get(key) ?? []), message.id]);
  }
  return byStream;
}

const byId = (a: DeliveredMessage, b: DeliveredMessage) => a.id.localeCompare(b.id);

/**
 * The one contract every publisher adapter passes. Tests use fresh customer ids, so they never
 * depend on what else the backend holds. Order is promised per customer within a topic: a
 * consumer of two topics cannot tell which of them was written first.
 */
export function publisherContract(open: () => Promise<PublisherUnderTest>): void {
  let subject: PublisherUnderTest;
  beforeAll(async () => {
    subject = await open();
  });
  afterAll(async () => {
    await subject.close();
  });

  it('delivers each message once with its id, type, time, subject, topic and data', async () => {
    const [customer] = uniqueCustomers(1);
    const messages = [
      outbound.touchpoint(customer),
      outbound.stageChanged(customer, null, 'prospect'),
      outbound.tierChanged(customer, null, 'mass'),
    ];
    await subject.publisher.publish(messages);

    const got = await subject.deliveredFor([customer], 3);
    expect([...got].sort(byId)).toEqual(messages.map(delivered).sort(byId));
  });

  it('keeps data exactly: nested values, nulls, big integers as strings, non-ASCII text', async () => {
    const [customer] = uniqueCustomers(1);
    const message = {
      ...outbound.touchpoint(customer),
      data: {
        amountMinor: '-90071992547409931234',
        nested: { list: [1, 'two', null, { deep: true }], empty: {} },
        branch: 'Zürich 北京 Αθήνα',
        rate: 0.125,
      },
    };
    await subject.publisher.publish([message]);

    expect(await subject.deliveredFor([customer], 1)).toEqual([delivered(message)]);
  });

  it('keeps each customer’s order with many customers interleaved in one publish', async () => {
    const customers = uniqueCustomers(12);
    const messages = interleaved(customers, 8);
    await subject.publisher.publish(messages);

    const got = await subject.deliveredFor(customers, messages.length);
    expect(got).toHaveLength(messages.length);
    expect(streams(got)).toEqual(streams(messages.map(delivered)));
  });

  it('keeps each customer’s order across successive publishes', async () => {
    const customers = uniqueCustomers(3);
    const messages = interleaved(customers, 10);
    for (let start = 0; start < messages.length; start += 7) {
      await subject.publisher.publish(messages.slice(start, start + 7));
    }

    const got = await subject.deliveredFor(customers, messages.length);
    expect(got).toHaveLength(messages.length);
    expect(streams(got)).toEqual(streams(messages.map(delivered)));
  });

  it('delivers a re-published message again with the same id, so consumers can drop it', async () => {
    const [customer] = uniqueCustomers(1);
    const [first, second] = [outbound.touchpoint(customer, 1), outbound.touchpoint(customer, 2)];
    await subject.publisher.publish([first, second]);
    await subject.publisher.publish([first, second]);

    const got = await subject.deliveredFor([customer], 4);
    expect(got.map((message) => message.id)).toEqual([first.id, second.id, first.id, second.id]);
    expect(got[2]).toEqual(got[0]);
  });

  it('resolves an empty batch, and the next batch is delivered as usual', async () => {
    const [customer] = uniqueCustomers(1);
    const message = outbound.touchpoint(customer);
    await expect(subject.publisher.publish([])).resolves.toBeUndefined();
    await subject.publisher.publish([message]);

    expect(await subject.deliveredFor([customer], 1)).toEqual([delivered(message)]);
  });
}
