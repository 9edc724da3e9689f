import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CommandBus } from '@nestjs/cqrs';
import { dueThresholdEvents, projectCustomer, ThresholdEvent } from '../../projections';
import { Environment } from '../config/environment';
import { PolicyTimeline } from '../policy-history/policy-timeline';
import { POLICY_TIMELINE } from '../policy-history/policy-timeline.provider';
import { ACCESS_LOG, AccessLog } from '../access-log/access-log.port';
import { AppendSystemEventsCommand, TouchpointOutcome } from '../ingest/append-touchpoints.command';
import { CustomerDocument } from '../views/customer/customer-read-model';
import { StorageGuard } from '../postgres/storage-guard';
import { ProjectionEngine } from '../projection-engine/projection-engine.service';
import { READ_MODEL_STORE, ReadModelStore } from '../read-models/read-model-store.port';

export interface SchedulerRun {
  readonly at: string;
  readonly customersDue: number;
  readonly eventsAppended: number;
  readonly duplicates: number;
  /** Customers whose stream moved on since their document was written: retried next run. */
  readonly skipped: number;
}

/** A threshold burst longer than this waits for the next run (each one is re-asked after the last). */
const MAX_EVENTS_PER_CUSTOMER = 10;
const PAGE = 500;

/**
 * Time-driven transitions (docs/architecture.md rule 3): finds customers whose next threshold instant has
 * passed, through the indexed `search.nextThresholdAt`, and sends the threshold events the pure
 * `dueThresholdEvents` names, with their deterministic ids, through the command path
 * (AppendSystemEventsCommand): the decider judges them against the customer's stream, and they
 * are appended at the revision the document reflects. Running twice, or in two instances,
 * appends each event once: the others are answered as duplicates. A customer whose stream moved
 * on since its document was written, or whose document names an event the decider refuses, is
 * skipped and asked again next run.
 */
@Injectable()
export class ThresholdScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ThresholdScheduler.name);
  private readonly intervalMs: number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<SchedulerRun>;
  private last?: SchedulerRun;

  constructor(
    private readonly commands: CommandBus,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(POLICY_TIMELINE) private readonly policies: PolicyTimeline,
    private readonly engine: ProjectionEngine,
    private readonly storage: StorageGuard,
    @Inject(ACCESS_LOG) private readonly accessLog: AccessLog,
    config: ConfigService<Environment, true>,
  ) {
    this.intervalMs = config.get('SCHEDULER_INTERVAL_MS', { infer: true });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      // Only where the projection runs: appends are idempotent, but one instance suffices.
      // Not while the volume is nearly full: the threshold events wait for the next round.
      if (!this.engine.isLeader() || this.storage.blockedReason() !== undefined) return;
      this.runOnce().catch((error: Error) =>
        this.logger.error(`scheduler run failed: ${error.message}`),
      );
    }, this.intervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  lastRun(): SchedulerRun | undefined {
    return this.last;
  }

  /** One pass; concurrent callers share the pass already under way. */
  runOnce(now: Date = new Date()): Promise<SchedulerRun> {
    this.running ??= this.run(now.toISOString()).finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(now: string): Promise<SchedulerRun> {
    const collection = this.engine.collections().customers;
    let after: string | undefined;
    let customersDue = 0;
    let eventsAppended = 0;
    let duplicates = 0;
    let skipped = 0;
    do {
      const page = await this.readModels.find(collection, {
        where: { 'search.nextThresholdAt': { lte: now } },
        sort: { field: 'search.nextThresholdAt', direction: 'asc' },
        limit: PAGE,
        ...(after ? { after } : {}),
      });
      for (const document of page.documents) {
        const customer = (document.body as unknown as CustomerDocument).customer;
        const due = this.dueEvents(customer, now);
        if (due.length === 0) continue;
        customersDue++;
        const outcomes = await this.commands.execute(
          new AppendSystemEventsCommand(
            document.id,
            due.map((event) => ({
              ...event,
              customerId: document.id,
              metadata: {
                sourceSystem: 'scheduler',
                ...(customer.lastEventId ? { causationId: customer.lastEventId } : {}),
              },
            })),
            // A customer document is built from one stream: its version is a stream revision.
            Number(document.version),
          ),
        );
        let settled = true;
        for (const outcome of outcomes) {
          if (outcome.status === 'appended') eventsAppended++;
          // The id is stored already (with other content when the policy changed meanwhile).
          else if (outcome.status === 'duplicate' || isReused(outcome)) duplicates++;
          else {
            settled = false;
            if (outcome.status === 'rejected')
              this.logger.warn(
                `customer ${document.id}: the decider refused threshold event ${outcome.eventId} (${outcome.rule}: ${outcome.message}); its document is asked again next run`,
              );
          }
        }
        if (!settled) skipped++;
        await this.recordErasures(document.id, due, outcomes);
      }
      after = page.nextCursor;
    } while (after);
    this.last = { at: now, customersDue, eventsAppended, duplicates, skipped };
    if (eventsAppended > 0)
      this.logger.log(`appended ${eventsAppended} threshold events for ${customersDue} customers`);
    return this.last;
  }

  /**
   * A retention-expired erasure, once appended, leaves an access record. Its key was shredded
   * by the command handler as soon as the event was durable (as for ingest; the projection
   * engine shreds again when it projects it).
   */
  private async recordErasures(
    customerId: string,
    due: readonly ThresholdEvent[],
    outcomes: readonly TouchpointOutcome[],
  ): Promise<void> {
    for (const event of due) {
      if (event.type !== 'PersonalDataErased') continue;
      if (outcomes.find((o) => o.eventId === event.eventId)?.status !== 'appended') continue;
      await this.accessLog
        .record({
          at: new Date().toISOString(),
          keyName: 'scheduler',
          role: 'admin',
          route: 'scheduler',
          action: 'erasure',
          customerId,
          purpose: null,
          outcome: 'done',
          status: 0,
          details: { eventId: event.eventId, reason: 'retention-expired' },
        })
        .catch((error: Error) =>
          this.logger.error(`an erasure's access record was not stored: ${error.message}`),
        );
    }
  }

  /** Asks again after each event, so a threshold that the previous one made moot is not written. */
  private dueEvents(customer: CustomerDocument['customer'], now: string): ThresholdEvent[] {
    const due: ThresholdEvent[] = [];
    let state = customer;
    while (due.length < MAX_EVENTS_PER_CUSTOMER) {
      const [next] = dueThresholdEvents(state, this.policies.current(), now);
      if (!next || due.some((event) => event.eventId === next.eventId)) break;
      due.push(next);
      state = projectCustomer(state, next, this.policies.current());
    }
    return due;
  }
}

const isReused = (outcome: TouchpointOutcome): boolean =>
  outcome.status === 'rejected' && outcome.rule === 'event-id-reused';
