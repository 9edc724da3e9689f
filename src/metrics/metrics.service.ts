import { Inject, Injectable } from '@nestjs/common';
import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { KafkaIngest } from '../ingest/kafka-ingest';
import { EmbeddedDatabase } from '../postgres/embedded-database';
import { EMBEDDED_DATABASE } from '../postgres/postgres.module';
import { StorageGuard } from '../postgres/storage-guard';
import { TouchpointsIngestedEvent } from '../ingest/touchpoints-ingested.event';
import { ProjectionEngine } from '../projection-engine/projection-engine.service';
import { PersonalDataVault } from '../privacy/personal-data-vault';
import { OutboxRelayService } from '../publishing/outbox-relay.service';

const KAFKA_INGEST_STATES = ['disabled', 'connecting', 'consuming', 'stopped'] as const;

/**
 * The service's Prometheus metrics, in a registry of its own (several apps may share a process
 * in tests). Gauges of projection, relay and Kafka-ingest state are set when scraped, from the
 * same status the admin endpoints serve; counters and the request histogram count as they go.
 * Labels are route templates, projection names, outcomes: never ids or personal data.
 */
@Injectable()
export class MetricsService {
  private readonly registry = new Registry();
  readonly httpRequests: Histogram<'method' | 'route' | 'status'>;
  private readonly touchpoints: Counter<'channel' | 'outcome'>;

  private readonly projectionGauges: Record<
    'lagEvents' | 'lagSeconds' | 'leader' | 'generation',
    Gauge<string>
  >;
  private readonly partitionGauges: Record<'lagEvents' | 'owned', Gauge<string>>;
  private readonly relayGauges: Record<'consecutiveFailures' | 'relayed', Gauge<string>>;
  private readonly kafkaIngestState: Gauge<string>;
  private readonly storageGauges: Record<'writable' | 'freeBytes', Gauge<string>>;

  constructor(
    private readonly engine: ProjectionEngine,
    private readonly relay: OutboxRelayService,
    private readonly kafkaIngest: KafkaIngest,
    private readonly storage: StorageGuard,
    @Inject(EMBEDDED_DATABASE) embedded: EmbeddedDatabase | null,
    vault: PersonalDataVault,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'cle_' });

    this.httpRequests = new Histogram({
      name: 'cle_http_request_duration_seconds',
      help: 'HTTP requests by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.touchpoints = new Counter({
      name: 'cle_touchpoints_ingested_total',
      help: 'Touchpoints received, by channel (http, kafka) and outcome (appended, duplicate, invalid, rejected, conflict)',
      labelNames: ['channel', 'outcome'],
      registers,
    });

    const gauge = (name: string, help: string, label: string) =>
      new Gauge({ name, help, labelNames: [label], registers });
    this.projectionGauges = {
      lagEvents: gauge(
        'cle_projection_lag_events',
        'Events recorded but not yet projected',
        'projection',
      ),
      lagSeconds: gauge(
        'cle_projection_lag_seconds',
        'Age of the oldest event not yet projected',
        'projection',
      ),
      leader: gauge(
        'cle_projection_leader',
        '1 where this instance holds the lease of at least one partition and projects it',
        'projection',
      ),
      generation: gauge('cle_projection_generation', 'Read-model generation served', 'projection'),
    };
    const partitionGauge = (name: string, help: string) =>
      new Gauge({ name, help, labelNames: ['projection', 'partition'], registers });
    this.partitionGauges = {
      lagEvents: partitionGauge(
        'cle_projection_partition_lag_events',
        "Events recorded after the partition's checkpoint",
      ),
      owned: partitionGauge(
        'cle_projection_partition_owned',
        '1 where this instance holds the partition lease and projects it',
      ),
    };
    // Labelled, so that without PUBLISHER=kafka the series is absent rather than a false 0.
    this.relayGauges = {
      consecutiveFailures: gauge(
        'cle_relay_consecutive_failures',
        'Failed Kafka relay attempts since the last success',
        'publisher',
      ),
      relayed: gauge(
        'cle_relay_messages_relayed',
        'Messages the Kafka relay published since the process started',
        'publisher',
      ),
    };
    this.kafkaIngestState = gauge(
      'cle_kafka_ingest_state',
      '1 for the Kafka ingest state this instance is in',
      'state',
    );
    this.storageGauges = {
      writable: new Gauge({
        name: 'cle_storage_writable',
        help: '1 while writes are taken; 0 while refused (data volume below its reserve, or disk full)',
        registers,
      }),
      freeBytes: new Gauge({
        name: 'cle_data_volume_free_bytes',
        help: "Free bytes on the embedded database's data volume",
        registers,
      }),
    };
    this.vaultMetrics(vault, registers);
    if (embedded) {
      let reported = 0;
      new Counter({
        name: 'cle_embedded_fsyncs_total',
        help: 'fsync calls of the embedded database (each acknowledged commit makes at least one)',
        registers,
        collect() {
          this.inc(embedded.client.fsyncs - reported);
          reported = embedded.client.fsyncs;
        },
      });
    }
  }

  /** The data-key cache and key lifecycle, counted by the vault, read when scraped. */
  private vaultMetrics(vault: PersonalDataVault, registers: Registry[]): void {
    const counter = (name: string, help: string, read: () => number) => {
      let reported = 0;
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.inc(read() - reported);
          reported = read();
        },
      });
    };
    counter(
      'cle_pii_key_cache_hits_total',
      'Data keys found unwrapped in memory',
      () => vault.counters.cacheHits,
    );
    counter(
      'cle_pii_key_cache_misses_total',
      'Data keys read from the key store and unwrapped',
      () => vault.counters.cacheMisses,
    );
    counter(
      'cle_pii_keys_created_total',
      'Customer data keys created',
      () => vault.counters.keysCreated,
    );
    counter(
      'cle_pii_keys_shredded_total',
      'Shred orders carried out (idempotent: an erasure may shred again on replay)',
      () => vault.counters.keysShredded,
    );
    new Gauge({
      name: 'cle_pii_keys_cached',
      help: 'Unwrapped data keys held in memory (at most PII_KEY_CACHE_SIZE)',
      registers,
      collect() {
        this.set(vault.cachedKeys);
      },
    });
  }

  /**
   * The exposition: gauges are set from the status the admin endpoints serve, read once per
   * scrape (the projection status queries the stores), then every metric is rendered.
   */
  async scrape(): Promise<string> {
    const statuses = await this.engine.status();
    for (const gauge of Object.values(this.projectionGauges)) gauge.reset();
    for (const status of statuses) {
      const labels = { projection: status.name };
      this.projectionGauges.lagEvents.set(labels, status.lagEvents);
      this.projectionGauges.lagSeconds.set(labels, status.lagSeconds);
      this.projectionGauges.leader.set(labels, status.leader ? 1 : 0);
      this.projectionGauges.generation.set(labels, status.generation);
    }
    for (const gauge of Object.values(this.partitionGauges)) gauge.reset();
    for (const status of statuses) {
      for (const partition of status.partitionStatus) {
        const labels = { projection: status.name, partition: String(partition.partition) };
        this.partitionGauges.lagEvents.set(labels, partition.lagEvents);
        this.partitionGauges.owned.set(labels, partition.owner === status.instance ? 1 : 0);
      }
    }
    const { relay } = this.relay.status();
    for (const gauge of Object.values(this.relayGauges)) gauge.reset();
    if (relay) {
      this.relayGauges.consecutiveFailures.set({ publisher: 'kafka' }, relay.consecutiveFailures);
      this.relayGauges.relayed.set({ publisher: 'kafka' }, relay.relayed);
    }
    const storage = this.storage.status();
    this.storageGauges.writable.set(storage.writable ? 1 : 0);
    if (storage.freeBytes !== undefined) this.storageGauges.freeBytes.set(storage.freeBytes);
    const { state } = this.kafkaIngest.status();
    for (const candidate of KAFKA_INGEST_STATES) {
      this.kafkaIngestState.set({ state: candidate }, candidate === state ? 1 : 0);
    }
    return this.registry.metrics();
  }

  countIngested({ channel, outcomes }: TouchpointsIngestedEvent): void {
    for (const [outcome, count] of Object.entries(outcomes)) {
      this.touchpoints.inc({ channel, outcome }, count);
    }
  }
}

@EventsHandler(TouchpointsIngestedEvent)
export class TouchpointsIngestedMetrics implements IEventHandler<TouchpointsIngestedEvent> {
  constructor(private readonly metrics: MetricsService) {}

  handle(event: TouchpointsIngestedEvent): void {
    this.metrics.countIngested(event);
  }
}
