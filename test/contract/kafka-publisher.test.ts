import { brokerList } from '../../src/kafka/kafka-client';
import { KafkaPublisher } from '../../src/publishing/kafka-publisher';
import { CLOUDEVENTS_SOURCE, Topic, TOPICS } from '../../src/outbox/outbound-message';
import { CollectingLogger, ReadRecord, TopicReader } from '../support/kafka';
import { outbound, uniqueCustomers } from '../support/outbound-messages';
import { describeWithServer, KAFKA } from '../support/servers';
import { DeliveredMessage, publisherContract } from './publisher.contract';

const TOPIC_NAMES = Object.values(TOPICS);

/** Reads a record back into the message it carries, from its CloudEvents headers and value. */
const decode = (record: ReadRecord): DeliveredMessage => ({
  id: record.headers.ce_id,
  topic: record.topic as Topic,
  customerId: record.headers.ce_subject,
  type: record.headers.ce_type,
  time: record.headers.ce_time,
  data: JSON.parse(record.value ?? 'null'),
});

const ofCustomers = (records: readonly ReadRecord[], customerIds: readonly string[]) =>
  records.filter((record) => customerIds.includes(record.headers.ce_subject));

/** Time given to a broker to show records that should not be there. */
const SETTLE_MS = 300;

const connect = (url: string) =>
  KafkaPublisher.connect({
    brokers: brokerList(url),
    clientId: 'publisher-contract',
    partitions: 3,
    logger: new CollectingLogger(),
  });

describeWithServer(KAFKA, 'KafkaPublisher on a Kafka broker', (url) => {
  describe('contract', () => {
    publisherContract(async () => {
      // Connecting creates the topics, so the reader finds their current end.
      const publisher = await connect(url);
      const reader = await TopicReader.open(url, TOPIC_NAMES).catch(async (error) => {
        await publisher.close();
        throw error;
      });
      return {
        publisher,
        deliveredFor: async (customerIds, count) => {
          await reader.waitFor((records) => ofCustomers(records, customerIds).length >= count);
          await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
          return ofCustomers(reader.records, customerIds).map(decode);
        },
        close: async () => {
          await publisher.close();
          await reader.close();
        },
      };
    });
  });

  describe('on the wire (CloudEvents 1.0, binary content mode)', () => {
    let publisher: KafkaPublisher;
    let reader: TopicReader;
    beforeAll(async () => {
      publisher = await connect(url);
      reader = await TopicReader.open(url, TOPIC_NAMES);
    });
    afterAll(async () => {
      await publisher.close();
      await reader.close();
    });

    it('keys by customer id and carries every attribute as a ce_ header, data as the JSON value', async () => {
      const [customer] = uniqueCustomers(1);
      const messages = [
        outbound.touchpoint(customer),
        outbound.stageChanged(customer, 'onboarding', 'active'),
        outbound.tierChanged(customer, 'mass', 'emerging-affluent'),
      ];
      await publisher.publish(messages);

      const records = ofCustomers(
        await reader.waitFor((all) => ofCustomers(all, [customer]).length >= 3),
        [customer],
      );
      expect(records).toHaveLength(3);
      for (const message of messages) {
        const record = records.find((candidate) => candidate.headers.ce_id === message.id)!;
        expect(record.topic).toBe(message.topic);
        expect(record.key).toBe(customer);
        expect(record.headers).toEqual({
          ce_specversion: '1.0',
          ce_id: message.id,
          ce_source: CLOUDEVENTS_SOURCE,
          ce_type: message.type,
          ce_time: message.time,
          ce_subject: customer,
          'content-type': 'application/json',
        });
        expect(JSON.parse(record.value!)).toEqual(message.data);
      }
    });

    it('puts all of a customer’s messages on one topic in one partition, at increasing offsets', async () => {
      const customers = uniqueCustomers(8);
      const messages = customers.flatMap((customer) =>
        Array.from({ length: 5 }, (_, n) => outbound.touchpoint(customer, n)),
      );
      await publisher.publish(messages);

      const records = await reader.waitFor(
        (all) => ofCustomers(all, customers).length >= messages.length,
      );
      for (const customer of customers) {
        const own = ofCustomers(records, [customer]);
        expect(new Set(own.map((record) => record.partition)).size).toBe(1);
        const offsets = own.map((record) => BigInt(record.offset));
        expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        expect(own.map((record) => record.headers.ce_id)).toEqual(
          messages.filter((message) => message.customerId === customer).map((m) => m.id),
        );
      }
    });

    it('splits a batch larger than one produce request, keeping the order', async () => {
      const [customer] = uniqueCustomers(1);
      const padding = 'x'.repeat(4_000);
      const messages = Array.from({ length: 300 }, (_, n) => ({
        ...outbound.touchpoint(customer, n),
        data: { n, padding },
      }));
      await publisher.publish(messages);

      const records = ofCustomers(
        await reader.waitFor((all) => ofCustomers(all, [customer]).length >= 300),
        [customer],
      );
      expect(records.map((record) => JSON.parse(record.value!).n)).toEqual(
        messages.map((_, n) => n),
      );
    });
  });
});
