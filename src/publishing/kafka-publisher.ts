import { Message, Partitioners, Producer, TopicMessages } from 'kafkajs';
import { createKafka, ensureTopics, KafkaConnection } from '../kafka/kafka-client';
import { Publisher } from './publisher.port';
import { CLOUDEVENTS_SOURCE, OutboundMessage, TOPICS } from '../outbox/outbound-message';

export interface KafkaPublisherOptions extends KafkaConnection {
  /** Partitions of the topics this creates when missing; the broker's num.partitions otherwise. */
  readonly partitions?: number;
}

/**
 * Upper bound of one produce request's records. The broker refuses a partition's record batch
 * above message.max.bytes (1 MiB by default); staying at half of it leaves room for framing.
 */
const MAX_REQUEST_BYTES = 512 * 1024;
/** Key, ce_* headers and record framing: short attribute strings, well under this. */
const RECORD_OVERHEAD_BYTES = 512;

/**
 * The publisher's own retries stay short so that `publish` rejects while the broker is away and
 * the relay, which retries the very same batch, decides how long to keep trying (and can stop).
 * Retrying the same batch reuses the idempotent producer's sequence numbers, so the broker still
 * drops a retried record it already holds. kafkajs warns once at start-up that retries are limited.
 */
const RETRY = { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 };

/**
 * Relays outbox messages to Kafka as CloudEvents 1.0 in binary mode: the attributes in ce_*
 * headers, `data` as the JSON value, the customer id as key (so one customer's messages share a
 * partition and keep their order).
 */
export class KafkaPublisher implements Publisher {
  /**
   * A batch that failed after some of its requests were acknowledged, and how many. Its retry
   * starts at the first unacknowledged request, which then carries the same records and the same
   * idempotence sequence numbers as the failed one: resending the acknowledged requests first
   * would shift those numbers, and the broker refuses a shifted batch it already holds part of
   * as out of order, for good.
   */
  private partial?: { readonly batch: string; readonly acknowledged: number };

  /** Any kafkajs producer; `connect` makes the one the service uses. */
  constructor(private readonly producer: Producer) {}

  /** Connects an idempotent producer, after creating the three topics if they are missing. */
  static async connect(options: KafkaPublisherOptions): Promise<KafkaPublisher> {
    const kafka = createKafka({ ...options, retry: RETRY });
    await ensureTopics(kafka, Object.values(TOPICS), options.partitions);
    const producer = kafka.producer({
      idempotent: true,
      // kafkajs keeps per-partition order on retries only with one request in flight.
      maxInFlightRequests: 1,
      // Java-compatible murmur2 on the key: other clients place a customer on the same partition.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    return new KafkaPublisher(producer);
  }

  /** Sends in order, one request at a time, each acknowledged by all in-sync replicas. */
  async publish(messages: readonly OutboundMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const requests = [...requestsOf(messages.map(encode))];
    const batch = identity(messages);
    const start = this.partial?.batch === batch ? this.partial.acknowledged : 0;
    this.partial = undefined;
    for (let request = start; request < requests.length; request++) {
      try {
        await this.producer.sendBatch({ acks: -1, topicMessages: byTopic(requests[request]) });
      } catch (error) {
        if (request > 0) this.partial = { batch, acknowledged: request };
        throw error;
      }
    }
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}

/** Tells a retried batch from another: outbox ids are unique and a batch is a contiguous run. */
const identity = (messages: readonly OutboundMessage[]) =>
  `${messages.length} ${messages[0].id} ${messages[messages.length - 1].id}`;

interface Encoded {
  readonly topic: string;
  readonly message: Message;
  readonly bytes: number;
}

/** The Kafka record of one outbox message (CloudEvents binary content mode). */
export function toKafkaMessage(message: OutboundMessage): Message {
  return {
    key: message.customerId,
    value: Buffer.from(JSON.stringify(message.data)),
    headers: {
      ce_specversion: '1.0',
      ce_id: message.id,
      ce_source: CLOUDEVENTS_SOURCE,
      ce_type: message.type,
      ce_time: message.time,
      ce_subject: message.customerId,
      'content-type': 'application/json',
    },
  };
}

function encode(message: OutboundMessage): Encoded {
  const record = toKafkaMessage(message);
  return {
    topic: message.topic,
    message: record,
    bytes: (record.value as Buffer).length + RECORD_OVERHEAD_BYTES,
  };
}

/** Consecutive runs of at most MAX_REQUEST_BYTES (a larger message goes alone). */
function* requestsOf(encoded: readonly Encoded[]): Generator<readonly Encoded[]> {
  let chunk: Encoded[] = [];
  let size = 0;
  for (const item of encoded) {
    if (chunk.length > 0 && size + item.bytes > MAX_REQUEST_BYTES) {
      yield chunk;
      chunk = [];
      size = 0;
    }
    chunk.push(item);
    size += item.bytes;
  }
  if (chunk.length > 0) yield chunk;
}

function byTopic(chunk: readonly Encoded[]): TopicMessages[] {
  const topics = new Map<string, Message[]>();
  for (const { topic, message } of chunk) {
    const messages = topics.get(topic) ?? [];
    messages.push(message);
    topics.set(topic, messages);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}
