import { Logger, LoggerService } from '@nestjs/common';
import { Kafka, logCreator, logLevel, RetryOptions } from 'kafkajs';

export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Where kafkajs's own log lines go; a Nest logger (pino in the service) by default. */
  readonly logger?: LoggerService;
  /** How kafkajs retries connecting and every request; its defaults when absent. */
  readonly retry?: RetryOptions;
}

/** `KAFKA_BROKERS` ("host:port,host:port") as kafkajs wants it. */
export function brokerList(value: string): string[] {
  return value
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
}

export function createKafka({ brokers, clientId, logger, retry }: KafkaConnection): Kafka {
  return new Kafka({
    brokers: [...brokers],
    clientId,
    ...(retry ? { retry } : {}),
    logLevel: logLevel.INFO,
    logCreator: quietLogCreator(logger ?? new Logger('Kafka')),
  });
}

/**
 * Fields of kafkajs log entries that describe the connection, never a record. Everything else
 * (stacks, request payloads under KAFKAJS_DEBUG_PROTOCOL_BUFFERS, member assignments) is left
 * out, so no message key, value or header can reach the logs (docs/architecture.md rule 9).
 */
const SAFE_FIELDS = ['broker', 'clientId', 'groupId', 'topic', 'partition', 'retryCount', 'error'];

function quietLogCreator(logger: LoggerService): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const details = SAFE_FIELDS.filter((field) => log[field] !== undefined)
        .map((field) => `${field}=${printable(log[field])}`)
        .join(' ');
      const line = `[${namespace}] ${log.message}${details ? ` (${details})` : ''}`;
      if (level === logLevel.ERROR) logger.error(line);
      else if (level === logLevel.WARN) logger.warn(line);
      else if (level === logLevel.INFO) logger.log(line);
      else logger.debug?.(line);
    };
}

const printable = (value: unknown): string =>
  value instanceof Error ? `${value.name}: ${value.message}` : String(value);

/**
 * Creates the topics that do not exist yet with the cluster's own defaults (num.partitions,
 * default.replication.factor) unless `partitions` is given, and waits for their leaders.
 * Existing topics are left as they are.
 */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly string[],
  partitions?: number,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((topic) => !existing.has(topic));
    if (missing.length === 0) return;
    // -1 asks the broker for its configured defaults; another instance creating the same topic
    // at the same time makes createTopics answer false, which is fine.
    await admin.createTopics({
      topics: missing.map((topic) => ({
        topic,
        numPartitions: partitions ?? -1,
        replicationFactor: -1,
      })),
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}
