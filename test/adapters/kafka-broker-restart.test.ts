import { brokerList } from '../../src/kafka/kafka-client';
import { InMemoryOutbox } from '../../src/publishing/in-memory-outbox';
import { KafkaPublisher } from '../../src/publishing/kafka-publisher';
import { OutboxRelay } from '../../src/publishing/outbox-relay';
import { OutboundMessage, TOPICS } from '../../src/outbox/outbound-message';
import { CollectingLogger, OwnKafkaBroker, ReadRecord, TopicReader } from '../support/kafka';
import { interleaved, uniqueCustomers } from '../support/outbound-messages';
import { describeWithServer, KAFKA } from '../support/servers';

const TOPIC_NAMES = Object.values(TOPICS);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Each (customer, topic) stream of ids, the unit Kafka orders. */
function streams(messages: readonly { customer: string; topic: string; id: string }[]) {
  const byStream = new Map<string, string[]>();
  for (const { customer, topic, id } of messages) {
    const key = `${customer} ${topic}`;
    byStream.set(key, [...(byStream.get(key) ?? []), id]);
  }
  return byStream;
}

/** What a consumer that drops repeated ids keeps: each id at its first arrival. */
function firstArrivals(records: readonly ReadRecord[]): ReadRecord[] {
  const seen = new Set<string>();
  return records.filter((record) => {
    const id = record.headers.ce_id;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * The relay keeps running while the broker goes away and comes back: publishes fail, the relay
 * backs off and retries the same batch, and afterwards every message is in Kafka at least once,
 * each customer's in order. The broker is one of the test's own, started with the same script
 * as the shared one (whose presence gates the suite), so that stopping it cannot fail suites
 * running at the same time.
 */
describeWithServer(KAFKA, 'outbox relay to Kafka across a broker restart', () => {
  let broker: OwnKafkaBroker;
  beforeAll(async () => {
    broker = await OwnKafkaBroker.start();
  }, 90_000);
  afterAll(() => broker?.destroy(), 60_000);

  it('loses nothing and keeps each customer’s order while the broker stops and starts', async () => {
    const url = broker.url;
    const customers = uniqueCustomers(20);
    const kafkaLog = new CollectingLogger();
    const relayLog = new CollectingLogger();
    const publisher = await KafkaPublisher.connect({
      brokers: brokerList(url),
      clientId: 'broker-restart-test',
      logger: kafkaLog,
    });
    const from = await TopicReader.endOffsets(url, TOPIC_NAMES);
    const outbox = new InMemoryOutbox();
    const relay = new OutboxRelay(outbox, publisher, outbox, {
      batchSize: 50,
      intervalMs: 20,
      backoff: { initialMs: 100, maxMs: 1_000 },
      logger: relayLog,
    });

    // The outbox keeps growing, 20 messages every 25 ms, whether the broker is there or not.
    const written: OutboundMessage[] = [];
    let filling = true;
    const filler = (async () => {
      while (filling) {
        const tick = interleaved(customers, 1);
        outbox.append(...tick);
        written.push(...tick);
        await sleep(25);
      }
    })();
    let mostFailures = 0;
    const watching = setInterval(() => {
      mostFailures = Math.max(mostFailures, relay.status().consecutiveFailures);
    }, 20);

    let reader: TopicReader | undefined;
    try {
      relay.start();
      await sleep(1_000);
      const relayedBeforeStop = relay.status().relayed;
      await broker.stop();
      await sleep(1_500);
      const relayedWhileDown = relay.status().relayed;
      await broker.restart();
      await sleep(1_000);
      filling = false;
      await filler;

      const last = written[written.length - 1].sequence;
      const deadline = Date.now() + 60_000;
      while (relay.status().lastSequence !== last && Date.now() < deadline) await sleep(50);
      await relay.stop();

      expect(relayedBeforeStop).toBeGreaterThan(0);
      expect(mostFailures).toBeGreaterThan(0);
      expect(relay.status()).toMatchObject({ lastSequence: last, consecutiveFailures: 0 });
      expect(relay.status().lastError?.message).toBeDefined();
      // Written while the broker was away, relayed only once it was back.
      expect(relay.status().relayed).toBeGreaterThan(relayedWhileDown);

      reader = await TopicReader.open(url, TOPIC_NAMES, from);
      const ours = (records: readonly ReadRecord[]) =>
        records.filter((record) => customers.includes(record.headers.ce_subject));
      const records = ours(
        await reader.waitFor(
          (all) => new Set(ours(all).map((r) => r.headers.ce_id)).size >= written.length,
          30_000,
        ),
      );
      const kept = firstArrivals(records);
      expect(kept.map((record) => record.headers.ce_id).sort()).toEqual(
        written.map((message) => message.id).sort(),
      );
      expect(
        streams(
          kept.map((record) => ({
            customer: record.key!,
            topic: record.topic,
            id: record.headers.ce_id,
          })),
        ),
      ).toEqual(
        streams(
          written.map((message) => ({
            customer: message.customerId,
            topic: message.topic,
            id: message.id,
          })),
        ),
      );

      // Neither kafkajs nor the relay logged anything of a message.
      const logged = [...kafkaLog.lines, ...relayLog.lines].join('\n');
      expect(kafkaLog.lines.length + relayLog.lines.length).toBeGreaterThan(0);
      for (const customer of customers) expect(logged).not.toContain(customer);
      expect(logged).not.toMatch(/balanceMinor|SAV-1|ce_id/);
    } finally {
      filling = false;
      clearInterval(watching);
      await filler;
      await relay.stop();
      await broker.restart();
      await publisher.close();
      await reader?.close();
    }
  }, 120_000);
});
