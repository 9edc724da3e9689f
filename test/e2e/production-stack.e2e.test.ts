import { randomUUID } from 'node:crypto';
import { SYSTEM_TOUCHPOINT_TYPES } from '../../src/domain/touchpoints';
import { ensureTopics } from '../../src/kafka/kafka-client';
import { TOPICS } from '../../src/outbox/outbound-message';
import { simulateTouchpoints } from '../../src/simulator';
import { RunningApp, startApp } from '../support/app';
import { ReadRecord, TopicReader, testKafka } from '../support/kafka';
import {
  describeWithServer,
  freshPostgresDatabase,
  KAFKA,
  MONGODB,
  POSTGRES,
} from '../support/servers';

interface FeedMessage {
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  readonly time: string;
  readonly topic: string;
  readonly data: Record<string, unknown>;
}

/** What both stacks must agree on; `recordedAt` is when each store learned the event. */
const comparable = (message: FeedMessage) => {
  const data = { ...message.data };
  delete data.recordedAt;
  return { id: message.id, type: message.type, time: message.time, data };
};

const fromKafka = (record: ReadRecord): FeedMessage => ({
  id: record.headers.ce_id,
  type: record.headers.ce_type,
  subject: record.headers.ce_subject,
  time: record.headers.ce_time,
  topic: record.topic,
  data: JSON.parse(record.value!),
});

/** Per customer and topic, in order, duplicates (same id) dropped: what Kafka promises. */
function byCustomerAndTopic(messages: readonly FeedMessage[]) {
  const groups = new Map<string, ReturnType<typeof comparable>[]>();
  const seen = new Set<string>();
  for (const message of messages) {
    if (seen.has(`${message.topic}/${message.id}`)) continue;
    seen.add(`${message.topic}/${message.id}`);
    const key = `${message.subject} ${message.topic}`;
    groups.set(key, [...(groups.get(key) ?? []), comparable(message)]);
  }
  return Object.fromEntries([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The same journey through the production stack (PostgreSQL events, MongoDB read models, Kafka)
 * and through the embedded default (PGlite, HTTP feed): the same customer documents, the same
 * messages.
 */
describeWithServer(POSTGRES, 'production stack (e2e)', (postgresUrl) =>
  describeWithServer(MONGODB, 'with MongoDB read models', (mongoUrl) =>
    describeWithServer(KAFKA, 'and Kafka, against the embedded default', (kafkaUrl) => {
      const run = randomUUID().slice(0, 8);
      const journey = [...simulateTouchpoints({ customers: 40, seed: 5, days: 540 })]
        .filter((touchpoint) => !SYSTEM_TOUCHPOINT_TYPES.includes(touchpoint.type))
        .map((touchpoint) => ({ ...touchpoint, customerId: `${run}-${touchpoint.customerId}` }));
      const customers = [...new Set(journey.map((touchpoint) => touchpoint.customerId))];
      let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
      let embedded: RunningApp;
      let stack: RunningApp;
      let kafka: TopicReader;

      const ingest = async (app: RunningApp): Promise<string> => {
        let position = '0';
        for (let start = 0; start < journey.length; start += 200) {
          const response = await app
            .http()
            .post('/v1/touchpoints')
            .send({ touchpoints: journey.slice(start, start + 200) })
            .expect(200);
          expect(response.body.appended).toBe(Math.min(200, journey.length - start));
          position = response.body.position;
        }
        return position;
      };
      const feed = async (app: RunningApp): Promise<FeedMessage[]> => {
        const all: FeedMessage[] = [];
        for (let cursor = ''; ;) {
          const page = (await app.http().get(`/v1/feed?limit=1000${cursor && `&after=${cursor}`}`))
            .body as { messages: FeedMessage[]; nextCursor: string };
          if (page.messages.length === 0) return all;
          all.push(...page.messages);
          cursor = page.nextCursor;
        }
      };

      beforeAll(async () => {
        database = await freshPostgresDatabase(postgresUrl);
        // On a fresh broker the topics do not exist until the publisher creates them; the
        // reader must know their partitions before anything is published.
        await ensureTopics(testKafka(kafkaUrl), Object.values(TOPICS));
        kafka = await TopicReader.open(kafkaUrl, Object.values(TOPICS));
        embedded = await startApp({ READ_YOUR_WRITES_TIMEOUT_MS: '20000' });
        stack = await startApp({
          DATABASE_URL: database.url,
          READ_MODEL_STORE: 'mongodb',
          MONGODB_URL: mongoUrl,
          MONGODB_DATABASE: `cle_stack_${run}`,
          PUBLISHER: 'kafka',
          KAFKA_BROKERS: kafkaUrl,
          RELAY_INTERVAL_MS: '50',
          READ_YOUR_WRITES_TIMEOUT_MS: '60000',
        });
      }, 60_000);
      afterAll(async () => {
        await kafka?.close();
        await embedded?.close();
        await stack?.close();
        await database?.drop();
      });

      it('yields the same customer documents and the same messages', async () => {
        expect(customers).toHaveLength(40);
        expect(journey.length).toBeGreaterThan(customers.length * 10);
        const [embeddedAt, stackAt] = await Promise.all([ingest(embedded), ingest(stack)]);
        for (const customerId of customers) {
          const [mine, theirs] = await Promise.all([
            embedded.http().get(`/v1/customers/${customerId}?minPosition=${embeddedAt}`),
            stack.http().get(`/v1/customers/${customerId}?minPosition=${stackAt}`),
          ]);
          expect(theirs.status).toBe(200);
          expect(theirs.text).toBe(mine.text);
        }

        const expected = (await feed(embedded)).filter((message) =>
          message.subject.startsWith(run),
        );
        // Opt-in marketing keeps customers without consent out; the rest fill all three topics.
        expect(new Set(expected.map((message) => message.topic)).size).toBe(3);
        expect(expected.length).toBeGreaterThan(journey.length / 2);
        const stackFeed = (await feed(stack)).filter((message) => message.subject.startsWith(run));
        expect(byCustomerAndTopic(stackFeed)).toEqual(byCustomerAndTopic(expected));

        const ids = new Set(expected.map((message) => `${message.topic}/${message.id}`));
        const records = await kafka.waitFor(
          (all) =>
            new Set(
              all
                .filter((record) => record.key?.startsWith(run))
                .map((record) => `${record.topic}/${record.headers.ce_id}`),
            ).size >= ids.size,
          60_000,
        );
        const delivered = records.filter((record) => record.key?.startsWith(run));
        for (const record of delivered) {
          expect(record.key).toBe(record.headers.ce_subject);
          expect(record.headers).toMatchObject({
            ce_specversion: '1.0',
            ce_source: '/customer-lifecycle-engine',
          });
        }
        expect(byCustomerAndTopic(delivered.map(fromKafka))).toEqual(byCustomerAndTopic(expected));

        const publisher = await stack.http().get('/v1/admin/publisher').expect(200);
        expect(publisher.body).toMatchObject({ publisher: 'kafka', relaying: true });
        const metrics = (await stack.http().get('/metrics').expect(200)).text;
        expect(metrics).toMatch(/^cle_relay_consecutive_failures\{publisher="kafka"\} 0$/m);
        const relayed = metrics.match(/^cle_relay_messages_relayed\{publisher="kafka"\} (\d+)$/m);
        expect(Number(relayed?.[1])).toBeGreaterThanOrEqual(delivered.length);
        const health = await stack.http().get('/health').expect(200);
        expect(health.body.info).toEqual({
          eventStore: { status: 'up', kind: 'postgres' },
          readModels: { status: 'up', kind: 'mongodb' },
          storage: { status: 'up' },
        });
      }, 240_000);
    }),
  ),
);
