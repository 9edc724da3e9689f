import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Consumer, IHeaders, Kafka, Message, TopicPartitionOffset } from 'kafkajs';
import { brokerList, createKafka } from '../../src/kafka/kafka-client';

/** Keeps kafkajs quiet in test output; lines are kept for tests that inspect them. */
export class CollectingLogger {
  readonly lines: string[] = [];
  log = (line: string) => void this.lines.push(line);
  warn = (line: string) => void this.lines.push(line);
  error = (line: string) => void this.lines.push(line);
  debug = (line: string) => void this.lines.push(line);
}

export const testKafka = (url: string, logger = new CollectingLogger()): Kafka =>
  createKafka({ brokers: brokerList(url), clientId: `test-${randomUUID()}`, logger });

export interface ReadRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Readonly<Record<string, string>>;
}

const text = (value: Buffer | string | null | undefined): string | null =>
  value === null || value === undefined ? null : value.toString();

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers ?? {}).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.map(String).join(',') : (text(value) ?? ''),
    ]),
  );
}

/**
 * Reads topics from their end when opened (or from given offsets), with a consumer in a fresh
 * group: what earlier runs left in a topic is never seen. Records arrive in partition order.
 */
export class TopicReader {
  readonly records: ReadRecord[] = [];

  private constructor(private readonly consumer: Consumer) {}

  /** Where each partition of these topics ends now: where a reader opened later should start. */
  static async endOffsets(url: string, topics: readonly string[]): Promise<TopicPartitionOffset[]> {
    const admin = testKafka(url).admin();
    await admin.connect();
    try {
      const ends: TopicPartitionOffset[] = [];
      for (const topic of topics) {
        // A topic created a moment ago may not have its leader known to every part of the broker.
        const offsets = await retryWhileRetriable(() => admin.fetchTopicOffsets(topic));
        for (const { partition, high } of offsets) ends.push({ topic, partition, offset: high });
      }
      return ends;
    } finally {
      await admin.disconnect();
    }
  }

  static async open(
    url: string,
    topics: readonly string[],
    from?: readonly TopicPartitionOffset[],
  ): Promise<TopicReader> {
    const starts = from ?? (await TopicReader.endOffsets(url, topics));
    const kafka = testKafka(url);
    const startOf = new Map(starts.map((start) => [`${start.topic}/${start.partition}`, start]));

    const consumer = kafka.consumer({
      groupId: `test-reader-${randomUUID()}`,
      maxWaitTimeInMs: 100,
    });
    const reader = new TopicReader(consumer);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...topics], fromBeginning: true });
      const joined = new Promise<void>((resolve) => {
        const stopListening = consumer.on(consumer.events.GROUP_JOIN, () => {
          stopListening();
          resolve();
        });
      });
      await consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          // Correctness rests on this filter, not on the seek below: a consumer that crashes
          // (a broker just restarted answers "coordinator loading") restarts from the beginning.
          const start = startOf.get(`${topic}/${partition}`);
          if (start && BigInt(message.offset) < BigInt(start.offset)) return;
          reader.records.push({
            topic,
            partition,
            offset: message.offset,
            key: text(message.key),
            value: text(message.value),
            headers: headersOf(message.headers),
          });
        },
      });
      await Promise.race([joined, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      // Skipping what earlier runs left saves reading it; if the group is between a crash and its
      // restart there is nothing to seek on, and the filter above does the skipping instead.
      for (const start of starts) {
        try {
          consumer.seek(start);
        } catch {
          break;
        }
      }
      return reader;
    } catch (error) {
      // A consumer left behind would restart itself after a crash and keep jest from exiting.
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /** Resolves with the records once `done(records)` holds; rejects after `timeoutMs`. */
  async waitFor(
    done: (records: readonly ReadRecord[]) => boolean,
    timeoutMs = 20_000,
  ): Promise<readonly ReadRecord[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.records)) {
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms with ${this.records.length} records read`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.records;
  }

  close(): Promise<void> {
    return this.consumer.disconnect();
  }
}

async function retryWhileRetriable<T>(work: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Produces records as an upstream system would (acks from all replicas). */
export async function produce(url: string, topic: string, messages: Message[]): Promise<void> {
  const producer = testKafka(url).producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    await producer.send({ topic, messages, acks: -1 });
  } finally {
    await producer.disconnect();
  }
}

const run = promisify(execFile);
const REPO = join(__dirname, '..', '..');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A broker of one test's own (own ports, own state folder, the cached jars), started by the
 * project's script: the test may stop and start it without pulling the shared broker away from
 * suites running beside it.
 */
export class OwnKafkaBroker {
  private constructor(
    readonly url: string,
    private readonly environment: NodeJS.ProcessEnv,
    private readonly folder: string,
  ) {}

  static async start(): Promise<OwnKafkaBroker> {
    const folder = mkdtempSync(join(tmpdir(), 'cle-kafka-'));
    const environment = {
      ...process.env,
      CLE_SERVERS_DIR: folder,
      KAFKA_PORT_TEST: String(await freePort()),
      KAFKA_CONTROLLER_PORT_TEST: String(await freePort()),
    };
    const broker = new OwnKafkaBroker('', environment, folder);
    const url = await broker.script('start');
    return new OwnKafkaBroker(url, environment, folder);
  }

  /** Stops the broker, keeping its data. */
  async stop(): Promise<void> {
    await this.script('stop');
  }

  async restart(): Promise<void> {
    await this.script('start');
  }

  /** Stops it for good and deletes its data. */
  async destroy(): Promise<void> {
    await this.script('stop', '--wipe');
    rmSync(this.folder, { recursive: true, force: true });
  }

  private async script(...args: string[]): Promise<string> {
    const { stdout } = await run('bash', ['scripts/servers/kafka.sh', ...args], {
      cwd: REPO,
      env: this.environment,
    });
    return stdout.trim();
  }
}
