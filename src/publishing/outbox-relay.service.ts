import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Environment } from '../config/environment';
import { brokerList } from '../kafka/kafka-client';
import { StorageGuard } from '../postgres/storage-guard';
import { ProjectionEngine } from '../projection-engine/projection-engine.service';
import { KafkaPublisher } from './kafka-publisher';
import { OutboxRelay, RelayStatus } from './outbox-relay';
import { ConnectingPublisher } from './connecting-publisher';
import { OutboxSource, Publisher } from './publisher.port';
import { ReadModelOutbox } from './read-model-outbox';

/** The relay's checkpoint name in the read-model store. */
const KAFKA_RELAY_CHECKPOINT = 'relay_kafka';

export interface PublisherStatus {
  readonly publisher: 'feed' | 'kafka';
  /** Whether this instance relays: only the one holding the projection lease does. */
  readonly relaying: boolean;
  readonly relay?: RelayStatus;
}

/** Runs the outbox relay to Kafka when PUBLISHER=kafka, on the instance that projects. */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private relay?: OutboxRelay;
  private publisher?: Publisher;

  constructor(
    private readonly config: ConfigService<Environment, true>,
    private readonly outbox: ReadModelOutbox,
    private readonly engine: ProjectionEngine,
    private readonly storage: StorageGuard,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.get('PUBLISHER', { infer: true }) !== 'kafka') return;
    const brokers = brokerList(this.config.get('KAFKA_BROKERS', { infer: true }) ?? '');
    const clientId = this.config.get('KAFKA_CLIENT_ID', { infer: true });
    this.publisher = new ConnectingPublisher(() =>
      KafkaPublisher.connect({ brokers, clientId, logger: new Logger('Kafka') }),
    );
    // Followers read nothing: two relays would only send everything twice. Nor while the
    // volume is nearly full, since relaying writes the relay's checkpoint.
    const source: OutboxSource = {
      readAfter: async (after, limit) =>
        this.engine.isLeader() && this.storage.blockedReason() === undefined
          ? this.outbox.readAfter(after, limit)
          : [],
    };
    this.relay = new OutboxRelay(
      source,
      this.publisher,
      this.outbox.checkpoints(KAFKA_RELAY_CHECKPOINT),
      {
        batchSize: this.config.get('RELAY_BATCH_SIZE', { infer: true }),
        intervalMs: this.config.get('RELAY_INTERVAL_MS', { infer: true }),
        logger: new Logger(OutboxRelay.name),
      },
    );
    this.relay.start();
  }

  /** Before the read-model store closes: the batch in flight is finished or abandoned first. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
    await this.publisher?.close();
  }

  status(): PublisherStatus {
    return {
      publisher: this.relay ? 'kafka' : 'feed',
      relaying: this.relay !== undefined && this.engine.isLeader(),
      ...(this.relay ? { relay: this.relay.status() } : {}),
    };
  }

  /** Relays everything the outbox holds now (tests, operators after an outage). */
  async drain(): Promise<void> {
    await this.relay?.drain();
  }
}
