import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, EachBatchPayload, KafkaMessage, Partitioners, Producer } from 'kafkajs';
import { Environment } from '../config/environment';
import { withoutPersonalData } from '../domain/touchpoints';
import { FieldError } from '../http/errors/errors';
import { jsonDepthExceeds } from '../http/json-hygiene';
import { brokerList, createKafka, ensureTopics } from '../kafka/kafka-client';
import { IngestService } from './ingest.service';

/** Why a record went to the dead-letter topic; field, rule and message only, never a value. */
export interface DeadLetterReason {
  readonly outcome: 'malformed' | 'invalid' | 'rejected';
  readonly errors: readonly FieldError[];
}

export interface Settlement {
  /** How many records, from the first, are done: appended, duplicate or to be dead-lettered. */
  readonly settled: number;
  readonly deadLetters: readonly {
    readonly message: KafkaMessage;
    readonly reason: DeadLetterReason;
  }[];
  /** Why the record at `settled` could not be settled now; it and those after it wait. */
  readonly blocked?: string;
}

const MALFORMED: DeadLetterReason = {
  outcome: 'malformed',
  // JSON.parse's own message quotes the input, which may hold personal data.
  errors: [{ field: '', rule: 'isJson', message: 'the record value must be a JSON touchpoint' }],
};

/** Most nesting a record's JSON may have, as JSON_MAX_DEPTH's default for HTTP bodies. */
export const RECORD_MAX_DEPTH = 64;

const TOO_DEEP: DeadLetterReason = {
  outcome: 'malformed',
  errors: [
    {
      field: '',
      rule: 'maxDepth',
      message: `the record value must not nest deeper than ${RECORD_MAX_DEPTH} levels`,
    },
  ],
};

function parse(message: KafkaMessage): { readonly item: unknown } | DeadLetterReason {
  if (message.value === null) return MALFORMED;
  // Measured on the bytes, before a recursive parser or transformer ever sees them.
  if (jsonDepthExceeds(message.value, RECORD_MAX_DEPTH)) return TOO_DEEP;
  try {
    return { item: JSON.parse(message.value.toString('utf8')) };
  } catch {
    return MALFORMED;
  }
}

const KEY_MISMATCH: DeadLetterReason = {
  outcome: 'invalid',
  errors: [
    {
      field: 'customerId',
      rule: 'matchesRecordKey',
      message:
        "customerId must equal the record key: the key picks the partition, and so the order of the customer's touchpoints",
    },
  ],
};

/**
 * What the ingest service gets of a record, or why it gets nothing. A record without a key is
 * taken (its order against the customer's other records is then the producer's affair); one
 * whose key names another customer is not, since it was ordered among that customer's records.
 */
function read(message: KafkaMessage): { readonly item: unknown } | DeadLetterReason {
  const parsed = parse(message);
  if (!('item' in parsed)) return parsed;
  const customerId = (parsed.item as { customerId?: unknown } | null)?.customerId;
  if (message.key !== null && typeof customerId === 'string') {
    if (message.key.toString('utf8') !== customerId) return KEY_MISMATCH;
  }
  return parsed;
}

/**
 * Feeds a run of one partition's records, in offset order, to the ingest service the HTTP API
 * uses, and says how far they are settled. Records that can never succeed (malformed, invalid,
 * refused by history) are settled as dead letters; a conflict stops the run at that record, so
 * nothing after it is committed before it is.
 */
export async function settle(
  ingest: Pick<IngestService, 'ingest'>,
  messages: readonly KafkaMessage[],
): Promise<Settlement> {
  const readings = messages.map(read);
  const items = readings.flatMap((reading) => ('item' in reading ? [reading.item] : []));
  const { results } = await ingest.ingest(items, new Date(), 'kafka');

  const deadLetters: { message: KafkaMessage; reason: DeadLetterReason }[] = [];
  let next = 0;
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index];
    const reading = readings[index];
    if (!('item' in reading)) {
      deadLetters.push({ message, reason: reading });
      continue;
    }
    const result = results[next++];
    if (result.status === 'conflict') {
      return { settled: index, deadLetters, blocked: 'the customer kept changing concurrently' };
    }
    if (result.status === 'failed') {
      return { settled: index, deadLetters, blocked: result.message };
    }
    if (result.status === 'invalid') {
      deadLetters.push({ message, reason: { outcome: 'invalid', errors: result.errors } });
    } else if (result.status === 'rejected') {
      const { field = '', rule, message: why } = result;
      deadLetters.push({
        message,
        reason: { outcome: 'rejected', errors: [{ field, rule, message: why }] },
      });
    }
  }
  return { settled: messages.length, deadLetters };
}

/** Pause before retrying a held record: 200 ms doubling up to 10 s. */
const backoffMs = (attempt: number) => Math.min(10_000, 200 * 2 ** (attempt - 1));

export interface BatchConsumption {
  /** Most records given to the ingest service at once. */
  readonly chunkSize: number;
  /** Settles a run of records, their dead letters sent by the time it resolves. */
  readonly settle: (messages: readonly KafkaMessage[]) => Promise<Settlement>;
  /** Ends the pause of a held partition (shutdown). */
  readonly signal: AbortSignal;
  readonly onHeld: (offset: string, attempt: number, delayMs: number, reason: string) => void;
}

/**
 * One partition's fetched batch, in offset order: settle a chunk, commit the offset after the
 * last settled record, and hold at a record that could not be settled, retrying it after a
 * growing pause, until it is settled or the consumer stops or rebalances (then the records not
 * committed are fetched again).
 */
export async function consumeBatch(
  {
    batch,
    resolveOffset,
    heartbeat,
    commitOffsetsIfNecessary,
    uncommittedOffsets,
    isRunning,
    isStale,
  }: EachBatchPayload,
  { chunkSize, settle: settleChunk, signal, onHeld }: BatchConsumption,
): Promise<void> {
  let rest = batch.messages;
  let attempt = 0;
  while (rest.length > 0 && isRunning() && !isStale()) {
    const chunk = rest.slice(0, chunkSize);
    const outcome = await settleChunk(chunk).catch((error: unknown): Settlement => ({
      settled: 0,
      deadLetters: [],
      blocked: error instanceof Error ? error.message : String(error),
    }));
    if (outcome.settled > 0) {
      resolveOffset(chunk[outcome.settled - 1].offset);
      await commitOffsetsIfNecessary(uncommittedOffsets());
      rest = rest.slice(outcome.settled);
    }
    await heartbeat();
    if (outcome.blocked === undefined) {
      attempt = 0;
      continue;
    }
    attempt++;
    onHeld(chunk[outcome.settled].offset, attempt, backoffMs(attempt), outcome.blocked);
    await sleep(backoffMs(attempt), undefined, { signal }).catch(() => undefined);
  }
}

interface Clients {
  readonly consumer: Consumer;
  readonly producer: Producer;
}

async function disconnectAll({ consumer, producer }: Clients): Promise<void> {
  await consumer.disconnect().catch(() => undefined);
  await producer.disconnect().catch(() => undefined);
}

export interface KafkaIngestStatus {
  /** disabled (KAFKA_INGEST=false), connecting (or reconnecting after a crash), consuming. */
  readonly state: 'disabled' | 'connecting' | 'consuming' | 'stopped';
  readonly topic?: string;
  readonly group?: string;
  /** Failed attempts to connect since the last success. */
  readonly failedAttempts: number;
  readonly lastError?: { readonly message: string; readonly at: string };
}

/**
 * Touchpoints from Kafka (KAFKA_INGEST=true): each record's value is one touchpoint, as the
 * HTTP API takes it, keyed by customer id. Offsets are committed only once the records before
 * them are appended, found duplicate, or dead-lettered with their reason; a conflict or a
 * failing store holds the partition and is retried, never dropped.
 *
 * The service does not wait for the broker: it starts, serves HTTP, and connects in the
 * background, retrying with a growing pause (status in `GET /v1/admin/ingest`). A consumer that
 * crashes for good (kafkajs restarts it itself after retriable errors) is reconnected the same way.
 */
@Injectable()
export class KafkaIngest implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(KafkaIngest.name);
  private readonly stopping = new AbortController();
  private consumer?: Consumer;
  private producer?: Producer;
  private state: KafkaIngestStatus['state'] = 'disabled';
  private failedAttempts = 0;
  private lastError?: KafkaIngestStatus['lastError'];
  private connecting?: Promise<void>;

  constructor(
    private readonly ingestService: IngestService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.get('KAFKA_INGEST', { infer: true })) return;
    this.reconnect();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    // An attempt under way against an absent broker ends by itself within kafkajs's retries and
    // then lets go of what it connected; shutdown does not wait for that.
    await Promise.race([this.connecting, sleep(1_000)]);
    await this.disconnect();
    if (this.state !== 'disabled') this.state = 'stopped';
  }

  status(): KafkaIngestStatus {
    if (this.state === 'disabled') return { state: 'disabled', failedAttempts: 0 };
    return {
      state: this.state,
      topic: this.config.get('KAFKA_INGEST_TOPIC', { infer: true }),
      group: this.config.get('KAFKA_INGEST_GROUP', { infer: true }),
      failedAttempts: this.failedAttempts,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  private reconnect(): void {
    this.state = 'connecting';
    this.connecting = this.connectUntilConsuming();
  }

  private async connectUntilConsuming(): Promise<void> {
    const topic = this.config.get('KAFKA_INGEST_TOPIC', { infer: true });
    while (!this.stopping.signal.aborted) {
      try {
        const clients = await this.connect(topic);
        if (this.stopping.signal.aborted) {
          await disconnectAll(clients);
          return;
        }
        ({ consumer: this.consumer, producer: this.producer } = clients);
        this.state = 'consuming';
        this.failedAttempts = 0;
        this.logger.log(`consuming touchpoints from ${topic}`);
        return;
      } catch (error) {
        this.failedAttempts++;
        this.noteError(error);
        const delayMs = backoffMs(Math.min(this.failedAttempts, 6));
        this.logger.warn(
          `cannot consume ${topic} yet (attempt ${this.failedAttempts}, ` +
            `retrying in ${delayMs} ms): ${this.lastError!.message}`,
        );
        await sleep(delayMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      }
    }
  }

  /** Connected clients, consuming; on failure nothing is left connected. */
  private async connect(topic: string): Promise<Clients> {
    const deadLetterTopic = this.config.get('KAFKA_DEAD_LETTER_TOPIC', { infer: true });
    const kafka = createKafka({
      brokers: brokerList(this.config.get('KAFKA_BROKERS', { infer: true }) ?? ''),
      clientId: this.config.get('KAFKA_CLIENT_ID', { infer: true }),
    });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    const consumer = kafka.consumer({
      groupId: this.config.get('KAFKA_INGEST_GROUP', { infer: true }),
      // The broker holds an empty fetch this long, and shutdown waits for it (kafkajs: 5 s).
      maxWaitTimeInMs: 500,
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.noteError(payload.error);
      // kafkajs restarts the consumer itself after a retriable error; after any other it stays
      // down, and so would the ingest.
      if (payload.restart || this.stopping.signal.aborted || this.consumer !== consumer) return;
      this.logger.warn(`consumer of ${topic} crashed, reconnecting: ${this.lastError!.message}`);
      void this.disconnect().then(() => {
        if (!this.stopping.signal.aborted) this.reconnect();
      });
    });
    try {
      await ensureTopics(kafka, [topic, deadLetterTopic]);
      await producer.connect();
      await consumer.connect();
      // A new group starts at the beginning: touchpoints sent before it first ran are not skipped.
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => this.consume(payload, producer, deadLetterTopic),
      });
      return { consumer, producer };
    } catch (error) {
      await disconnectAll({ consumer, producer });
      throw error;
    }
  }

  private async disconnect(): Promise<void> {
    const { consumer, producer } = this;
    this.consumer = undefined;
    this.producer = undefined;
    if (consumer && producer) await disconnectAll({ consumer, producer });
  }

  /** kafkajs's messages name brokers, topics and codes, never a record's content. */
  private noteError(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.lastError = { message, at: new Date().toISOString() };
  }

  private consume(
    payload: EachBatchPayload,
    producer: Producer,
    deadLetterTopic: string,
  ): Promise<void> {
    const { topic, partition } = payload.batch;
    return consumeBatch(payload, {
      chunkSize: this.config.get('INGEST_MAX_BATCH', { infer: true }),
      settle: async (messages) => {
        const settlement = await settle(this.ingestService, messages);
        await deadLetter(producer, deadLetterTopic, topic, partition, settlement.deadLetters);
        return settlement;
      },
      signal: this.stopping.signal,
      onHeld: (offset, attempt, delayMs, reason) =>
        this.logger.warn(
          `ingest of ${topic}/${partition} held at offset ${offset} ` +
            `(attempt ${attempt}, retrying in ${delayMs} ms): ${reason}`,
        ),
    });
  }
}

/**
 * The original key and headers, plus why and where from. The value loses its personal data
 * (nothing personal goes to Kafka): operators who need the original read it from the ingest
 * topic at the offset given, within that topic's retention and access rules.
 */
async function deadLetter(
  producer: Producer,
  deadLetterTopic: string,
  topic: string,
  partition: number,
  deadLetters: Settlement['deadLetters'],
): Promise<void> {
  if (deadLetters.length === 0) return;
  await producer.send({
    topic: deadLetterTopic,
    acks: -1,
    messages: deadLetters.map(({ message, reason }) => {
      const { value, removed } = deadLetterValue(message);
      return {
        key: message.key,
        value,
        headers: {
          ...message.headers,
          ...(removed.length > 0 ? { 'dlq-personal-data-removed': removed.join(',') } : {}),
          'dlq-reason': JSON.stringify(reason),
          'dlq-original-topic': topic,
          'dlq-original-partition': String(partition),
          'dlq-original-offset': message.offset,
        },
      };
    }),
  });
}

/**
 * The dead letter's value: the touchpoint without the fields its schema marks personal, or no
 * value at all when the record cannot be read as a touchpoint (it may hold anything).
 */
export function deadLetterValue(message: KafkaMessage): {
  readonly value: string | null;
  readonly removed: readonly string[];
} {
  const parsed = parse(message);
  const item = 'item' in parsed ? parsed.item : undefined;
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return { value: null, removed: message.value === null ? [] : ['value'] };
  }
  const touchpoint = item as Record<string, unknown>;
  const data = touchpoint.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { value: JSON.stringify(touchpoint), removed: [] };
  }
  const kept = withoutPersonalData(
    touchpoint.type,
    touchpoint.version,
    data as Record<string, unknown>,
  );
  return {
    value: JSON.stringify({ ...touchpoint, data: kept.data }),
    removed: kept.removed.map((field) => `data.${field}`),
  };
}
