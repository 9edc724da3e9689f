import { Injectable } from '@nestjs/common';
import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { KafkaIngest } from '../ingest/kafka-ingest';
import { TouchpointsIngestedEvent } from '../ingest/touchpoints-ingested.event';
import { ProjectionEngine } from '../projection-engine/projection-engine.service';
import { RelayStatus } from '../publishing/outbox-relay';
import { OutboxRelayService } from '../publishing/outbox-relay.service';

const KAFKA_INGEST_STATES = ['disabled', 'connecting', 'consuming', 'stopped'] as const;

/**
 * The service's Prometheus metrics, in a registry of its own (several apps may share a process
 * in tests). Gauges of projection, relay and Kafka-ingest state are read when scraped, from the
 * same status the admin endpoints serve; counters and the request histogram count as they go.
 * Labels are route templates, projection names, outcomes: never ids or personal data.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpRequests: Histogram<'method' | 'route' | 'status'>;
  private readonly touchpoints: Counter<'channel' | 'outcome'>;

  constructor(engine: ProjectionEngine, relay: OutboxRelayService, kafkaIngest: KafkaIngest) {
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

    const projection = (name: string, help: string, read: (s: ProjectionStatusLike) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['projection'],
        registers,
        async collect() {
          this.reset();
          for (const status of await engine.status()) {
            this.set({ projection: status.name }, read(status));
          }
        },
      });
    projection(
      'cle_projection_lag_events',
      'Events recorded but not yet projected',
      (s) => s.lagEvents,
    );
    projection(
      'cle_projection_lag_seconds',
      'Age of the oldest event not yet projected',
      (s) => s.lagSeconds,
    );
    projection(
      'cle_projection_leader',
      '1 where this instance holds the projection lease and projects',
      (s) => (s.leader ? 1 : 0),
    );
    projection('cle_projection_generation', 'Read-model generation served', (s) => s.generation);

    // Labelled, so that without PUBLISHER=kafka the series is absent rather than a false 0.
    const relayGauge = (name: string, help: string, read: (status: RelayStatus) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['publisher'],
        registers,
        collect() {
          this.reset();
          const { relay: status } = relay.status();
          if (status) this.set({ publisher: 'kafka' }, read(status));
        },
      });
    relayGauge(
      'cle_relay_consecutive_failures',
      'Failed Kafka relay attempts since the last success',
      (status) => status.consecutiveFailures,
    );
    relayGauge(
      'cle_relay_messages_relayed',
      'Messages the Kafka relay published since the process started',
      (status) => status.relayed,
    );
    new Gauge({
      name: 'cle_kafka_ingest_state',
      help: '1 for the Kafka ingest state this instance is in',
      labelNames: ['state'],
      registers,
      collect() {
        const { state } = kafkaIngest.status();
        for (const candidate of KAFKA_INGEST_STATES) {
          this.set({ state: candidate }, candidate === state ? 1 : 0);
        }
      },
    });
  }

  countIngested({ channel, outcomes }: TouchpointsIngestedEvent): void {
    for (const [outcome, count] of Object.entries(outcomes)) {
      this.touchpoints.inc({ channel, outcome }, count);
    }
  }
}

type ProjectionStatusLike = Awaited<ReturnType<ProjectionEngine['status']>>[number];

@EventsHandler(TouchpointsIngestedEvent)
export class TouchpointsIngestedMetrics implements IEventHandler<TouchpointsIngestedEvent> {
  constructor(private readonly metrics: MetricsService) {}

  handle(event: TouchpointsIngestedEvent): void {
    this.metrics.countIngested(event);
  }
}
