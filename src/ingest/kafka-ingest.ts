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
import { FieldError } from '../http/errors';
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

function parse(message: KafkaMessage): { readonly item: unknown } | undefined {
  if (message.value === null) return undefined;
  try {
    return { item: JSON.parse(message.value.toString('utf8')) };
  } catch {
    return undefined;
  }
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
  const parsed = messages.map(parse);
  const items = parsed.filter((entry) => entry !== undefined).map((entry) => entry.item);
  const { results } = await ingest.ingest(items);

  const deadLetters: { message: KafkaMessage; reason: DeadLetterReason }[] = [];
  let next = 0;
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index];
    if (parsed[index] === undefined) {
      deadLetters.push({ message, reason: MALFORMED });
      continue;
    }
    const result = results[next++];
    if (result.status === 'conflict') {
      return { settled: index, deadLetters, blocked: 'the customer kept changing concurrently' };
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

/**
 * Touchpoints from Kafka (KAFKA_INGEST=true): each record's value is one touchpoint, as the
 * HTTP API takes it, keyed by customer id. Offsets are committed only once the records before
 * them are appended, found duplicate, or dead-lettered with their reason; a conflict or a
 * failing store holds the partition and is retried, never dropped.
 */
@Injectable()
export class KafkaIngest implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(KafkaIngest.name);
  private readonly stopping = new AbortController();
  private consumer?: Consumer;
  private producer?: Producer;

  constructor(
    private readonly ingestService: IngestService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.get('KAFKA_INGEST', { infer: true })) return;
    const topic = this.config.get('KAFKA_INGEST_TOPIC', { infer: true });
    const deadLetterTopic = this.config.get('KAFKA_DEAD_LETTER_TOPIC', { infer: true });
    const kafka = createKafka({
      brokers: brokerList(this.config.get('KAFKA_BROKERS', { infer: true }) ?? ''),
      clientId: this.config.get('KAFKA_CLIENT_ID', { infer: true }),
    });
    await ensureTopics(kafka, [topic, deadLetterTopic]);

    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await this.producer.connect();
    this.consumer = kafka.consumer({
      groupId: this.config.get('KAFKA_INGEST_GROUP', { infer: true }),
      // The broker holds an empty fetch this long, and shutdown waits for it (kafkajs: 5 s).
      maxWaitTimeInMs: 500,
    });
    await this.consumer.connect();
    // A new group starts at the beginning: touchpoints sent before it first ran are not skipped.
    await this.consumer.subscribe({ topics: [topic], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.consume(payload, deadLetterTopic),
    });
    this.logger.log(`consuming touchpoints from ${topic}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
  }

  private consume(payload: EachBatchPayload, deadLetterTopic: string): Promise<void> {
    const { topic, partition } = payload.batch;
    return consumeBatch(payload, {
      chunkSize: this.config.get('INGEST_MAX_BATCH', { infer: true }),
      settle: async (messages) => {
        const settlement = await settle(this.ingestService, messages);
        await this.deadLetter(deadLetterTopic, topic, partition, settlement.deadLetters);
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

  /**
   * The original key and headers, plus why and where from. The value loses its personal data
   * (nothing personal goes to Kafka): operators who need the original read it from the ingest
   * topic at the offset given, within that topic's retention and access rules.
   */
  private async deadLetter(
    deadLetterTopic: string,
    topic: string,
    partition: number,
    deadLetters: Settlement['deadLetters'],
  ): Promise<void> {
    if (deadLetters.length === 0) return;
    await this.producer!.send({
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
  const item = parsed?.item;
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
