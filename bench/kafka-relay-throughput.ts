/**
 * Outbox relay throughput to Kafka, in messages/s: OutboxRelay + KafkaPublisher draining an
 * in-memory outbox, against a bare kafkajs producer (same settings: idempotent, acks=all, one
 * request in flight) sending the same records in batches of the same size. Both encode the
 * CloudEvents records inside the timed part. Median of several runs, taken alternately.
 *
 *   npm run build && KAFKA_BROKERS_TEST=127.0.0.1:59092 node dist/bench/kafka-relay-throughput.js
 *
 * BENCH_RUNS (5), BENCH_MESSAGES (10000), BENCH_CUSTOMERS (1000) change the size.
 */
import { randomUUID } from 'node:crypto';
import { Partitioners, Producer } from 'kafkajs';
import { brokerList, createKafka } from '../src/kafka/kafka-client';
import { InMemoryOutbox } from '../src/publishing/in-memory-outbox';
import { KafkaPublisher, toKafkaMessage } from '../src/publishing/kafka-publisher';
import { OutboxRelay } from '../src/publishing/outbox-relay';
import { OutboundMessage, TOPICS } from '../src/publishing/publisher.port';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10_000);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000);
const BATCH_SIZES = [100, 500];

/** Only kafkajs errors reach the terminal; its info lines would drown the figures. */
const quiet = {
  log: () => undefined,
  warn: () => undefined,
  error: (line: string) => process.stderr.write(`${line}\n`),
};

/** What the projection engine writes: mostly touchpoints, every fifth a stage or tier change. */
function outbox(): OutboundMessage[] {
  const customers = Array.from({ length: CUSTOMERS }, (_, i) => `C${String(i).padStart(9, '0')}`);
  return Array.from({ length: MESSAGES }, (_, n) => {
    const customerId = customers[n % CUSTOMERS];
    const eventId = randomUUID();
    const at = new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString();
    const sequence = String(n * 4).padStart(21, '0');
    if (n % 5 === 4) {
      return {
        id: `${eventId}:stage`,
        topic: TOPICS.lifecycle,
        customerId,
        type: 'bank.crm.customer.stage-changed.v1',
        time: at,
        sequence,
        data: {
          customerId,
          from: 'onboarding',
          to: 'active',
          highestStage: 'active',
          at,
          cause: { eventId, eventType: 'TransactionPosted' },
          policyVersion: 1,
        },
      };
    }
    return {
      id: eventId,
      topic: TOPICS.touchpoints,
      customerId,
      type: 'bank.crm.touchpoint.TransactionPosted.v1',
      time: at,
      sequence,
      data: {
        customerId,
        eventId,
        touchpointType: 'TransactionPosted',
        schemaVersion: 1,
        occurredAt: at,
        recordedAt: at,
        data: {
          accountId: 'CUR-1',
          transactionId: `T${n}`,
          direction: 'credit',
          amountMinor: String(10_000 + n),
          currency: 'CNY',
          channel: 'mobile',
        },
      },
    };
  });
}

async function relayRun(
  publisher: KafkaPublisher,
  messages: readonly OutboundMessage[],
  batchSize: number,
): Promise<number> {
  const source = new InMemoryOutbox();
  source.append(...messages);
  const relay = new OutboxRelay(source, publisher, source, {
    batchSize,
    intervalMs: 10,
    logger: quiet,
  });
  const started = process.hrtime.bigint();
  await relay.drain();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (relay.status().relayed !== messages.length) throw new Error('relay fell short');
  return messages.length / seconds;
}

async function baselineRun(
  producer: Producer,
  messages: readonly OutboundMessage[],
  batchSize: number,
): Promise<number> {
  const started = process.hrtime.bigint();
  for (let start = 0; start < messages.length; start += batchSize) {
    const batch = messages.slice(start, start + batchSize);
    const topics = [...new Set(batch.map((message) => message.topic))];
    await producer.sendBatch({
      acks: -1,
      topicMessages: topics.map((topic) => ({
        topic,
        messages: batch.filter((message) => message.topic === topic).map(toKafkaMessage),
      })),
    });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return messages.length / seconds;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rate = (value: number) => Math.round(value).toLocaleString('en');

async function main(): Promise<void> {
  const url = process.env.KAFKA_BROKERS_TEST;
  if (!url) {
    console.log('Kafka relay throughput: skipped (set KAFKA_BROKERS_TEST, see scripts/servers)');
    return;
  }
  const brokers = brokerList(url);
  console.log(
    `${RUNS} runs x ${MESSAGES} messages for ${CUSTOMERS} customers, broker ${url}, node ${process.version}`,
  );
  const publisher = await KafkaPublisher.connect({
    brokers,
    clientId: 'bench-relay',
    logger: quiet,
  });
  const producer = createKafka({ brokers, clientId: 'bench-baseline', logger: quiet }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const messages = outbox();
  try {
    for (const batchSize of BATCH_SIZES) {
      await baselineRun(producer, messages, batchSize); // warm-up
      await relayRun(publisher, messages, batchSize);
      const baseline: number[] = [];
      const relayed: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        baseline.push(await baselineRun(producer, messages, batchSize));
        relayed.push(await relayRun(publisher, messages, batchSize));
      }
      const [b, r] = [median(baseline), median(relayed)];
      console.log(
        `batch ${String(batchSize).padStart(3)}: kafkajs producer ${rate(b)} msg/s, ` +
          `relay ${rate(r)} msg/s, relay/producer ${(r / b).toFixed(2)} ` +
          `(runs: producer ${baseline.map(Math.round).join(', ')}; relay ${relayed.map(Math.round).join(', ')})`,
      );
    }
  } finally {
    await publisher.close();
    await producer.disconnect();
  }
}

void main();
