import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { dueThresholdEvents, projectCustomer, ThresholdEvent } from '../../projections';
import { Environment } from '../config/environment';
import { PolicyTimeline } from '../policy-history/policy-timeline';
import { POLICY_TIMELINE } from '../policy-history/policy-timeline.provider';
import { ACCESS_LOG, AccessLog } from '../access-log/access-log.port';
import { erasureTombstone } from '../privacy/erasure';
import { PersonalDataVault } from '../privacy/personal-data-vault';
import {
  AppendOutcome,
  customerStreamId,
  EVENT_STORE,
  EventStore,
  WrongExpectedRevisionError,
} from '../event-store/event-store.port';
import { CustomerDocument } from '../projection-engine/customer-read-model';
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
 * Time-driven transitions (DESIGN.md rule 3): finds customers whose next threshold instant has
 * passed, through the indexed `search.nextThresholdAt`, and appends the threshold events the pure
 * `dueThresholdEvents` names, with their deterministic ids, at the revision the document reflects.
 * Running twice, or in two instances, appends each event once: the store reports duplicates.
 */
@Injectable()
export class ThresholdScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ThresholdScheduler.name);
  private readonly intervalMs: number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<SchedulerRun>;
  private last?: SchedulerRun;

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(POLICY_TIMELINE) private readonly policies: PolicyTimeline,
    private readonly engine: ProjectionEngine,
    private readonly storage: StorageGuard,
    @Inject(ACCESS_LOG) private readonly accessLog: AccessLog,
    private readonly vault: PersonalDataVault,
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
        const due = this.dueEvents((document.body as unknown as CustomerDocument).customer, now);
        if (due.length === 0) continue;
        customersDue++;
        try {
          const result = await this.events.appendToStream(
            customerStreamId(document.id),
            due.map((event) => ({
              ...event,
              metadata: {
                sourceSystem: 'scheduler',
                causationId:
                  (document.body as unknown as CustomerDocument).customer.lastEventId ?? undefined,
              },
            })),
            document.version,
          );
          for (const outcome of result.outcomes) {
            if (outcome.status === 'appended') eventsAppended++;
            else duplicates++;
          }
          await this.recordErasures(document.id, due, result.outcomes);
        } catch (error) {
          if (!(error instanceof WrongExpectedRevisionError)) throw error;
          skipped++;
        }
      }
      after = page.nextCursor;
    } while (after);
    this.last = { at: now, customersDue, eventsAppended, duplicates, skipped };
    if (eventsAppended > 0)
      this.logger.log(`appended ${eventsAppended} threshold events for ${customersDue} customers`);
    return this.last;
  }

  /**
   * A retention-expired erasure, once durable, shreds the key at once (as ingest does; the
   * projection engine shreds again when it projects it) and leaves an access record.
   */
  private async recordErasures(
    customerId: string,
    due: readonly ThresholdEvent[],
    outcomes: readonly AppendOutcome[],
  ): Promise<void> {
    for (const event of due) {
      if (event.type !== 'PersonalDataErased') continue;
      if (outcomes.find((o) => o.eventId === event.eventId)?.status !== 'appended') continue;
      await this.vault.shred(customerId, erasureTombstone(event));
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
