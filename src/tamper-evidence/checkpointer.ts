import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { Environment } from '../config/environment';
import {
  EVENT_STORE,
  EventStore,
  WrongExpectedRevisionError,
} from '../event-store/event-store.port';
import { StorageGuard } from '../postgres/storage-guard';
import { ProjectionEngine } from '../projection-engine/projection-engine.service';
import {
  CHECKPOINT_EVENT_TYPE,
  CHECKPOINT_EVENT_VERSION,
  CHECKPOINT_STREAM,
  CheckpointEventData,
  checkpointHash,
  GENESIS_HASH,
  signCheckpoint,
  sortedHeads,
  StreamHead,
} from './checkpoint';
import { CheckpointLedger } from './checkpoint-ledger';
import { CHECKPOINT_SIGNING_KEY, CheckpointSigningKey } from './signing-key';

const PAGE = 1000;
const TICK_MS = 1000;

/**
 * Records a signed checkpoint every AUDIT_CHECKPOINT_EVERY_EVENTS events or
 * AUDIT_CHECKPOINT_INTERVAL_MS (when something is not yet covered), on the instance that holds
 * the projection lease. The checkpoint is an event of CHECKPOINT_STREAM, appended at the
 * revision read, so two instances can never fork the checkpoint chain; the projection engine
 * puts it on the outbox (topic crm.audit-checkpoints.v1, and the feed).
 */
@Injectable()
export class Checkpointer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(Checkpointer.name);
  private readonly everyEvents: number;
  private readonly intervalMs: number;
  private timer?: NodeJS.Timeout;
  /** Runs one after the other (the timer's and the admin route's share the cursor). */
  private queue: Promise<unknown> = Promise.resolve();
  private timerRunning = false;
  /** Heads read since the latest checkpoint, and where reading stopped. */
  private pending = new Map<string, StreamHead>();
  private pendingEvents = 0;
  private cursor?: bigint;
  private cursorFor?: string;
  private lastRecordedAt = Date.now();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly ledger: CheckpointLedger,
    @Inject(CHECKPOINT_SIGNING_KEY) private readonly key: CheckpointSigningKey,
    private readonly engine: ProjectionEngine,
    private readonly storage: StorageGuard,
    config: ConfigService<Environment, true>,
  ) {
    this.everyEvents = config.get('AUDIT_CHECKPOINT_EVERY_EVENTS', { infer: true });
    this.intervalMs = config.get('AUDIT_CHECKPOINT_INTERVAL_MS', { infer: true });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(
      () => {
        if (!this.engine.isLeader() || this.storage.blockedReason() !== undefined) return;
        if (this.timerRunning) return;
        this.timerRunning = true;
        this.runOnce()
          .catch((error: Error) => this.logger.error(`checkpoint failed: ${error.message}`))
          .finally(() => (this.timerRunning = false));
      },
      Math.min(TICK_MS, this.intervalMs),
    );
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.queue.catch(() => undefined);
  }

  /**
   * Reads what is new and records the checkpoints due; returns how many it recorded. `force`
   * records one for whatever is not yet covered, whatever the settings.
   */
  runOnce(force = false): Promise<number> {
    return this.enqueue(() => this.run(force, false));
  }

  /**
   * After a backfill: reads the whole store again and records one checkpoint over every
   * stream's head, so the streams just chained (which no checkpoint could cover before) are in.
   */
  rescanFromStart(): Promise<number> {
    return this.enqueue(() => this.run(true, true));
  }

  private enqueue(task: () => Promise<number>): Promise<number> {
    const run = this.queue.catch(() => undefined).then(task);
    this.queue = run;
    return run;
  }

  private async run(force: boolean, rescan: boolean): Promise<number> {
    await this.ledger.refresh();
    const latest = this.ledger.latest();
    if (rescan) {
      this.pending = new Map();
      this.pendingEvents = 0;
      this.cursor = undefined;
      this.cursorFor = latest?.eventId ?? '';
    } else if (this.cursorFor !== (latest?.eventId ?? '')) {
      // Another instance recorded since: start again from its checkpoint.
      this.resetTo(latest?.position);
    }
    let recorded = 0;
    for (;;) {
      // A rescan records once, at the head: its heads are newer than the latest checkpoint's.
      const room = rescan ? PAGE : this.everyEvents - this.pendingEvents;
      const events = await this.store.readAll({
        after: this.cursor,
        maxCount: Math.max(1, Math.min(PAGE, room)),
      });
      for (const event of events) {
        if (event.hash === undefined) continue; // not chained yet: the backfill will cover it
        this.pending.set(event.streamId, {
          streamId: event.streamId,
          revision: event.revision,
          hash: event.hash,
        });
        if (event.streamId !== CHECKPOINT_STREAM) this.pendingEvents++;
      }
      if (events.length > 0) this.cursor = events[events.length - 1].position;
      if (!rescan && this.pendingEvents >= this.everyEvents) {
        if (!(await this.record())) return recorded;
        recorded++;
        continue;
      }
      if (events.length === 0 || events.length < Math.min(PAGE, room)) break;
    }
    const due = force || Date.now() - this.lastRecordedAt >= this.intervalMs;
    if (this.pendingEvents > 0 && due && (await this.record())) recorded++;
    return recorded;
  }

  private resetTo(position: string | undefined): void {
    this.pending = new Map();
    this.pendingEvents = 0;
    this.cursor = position === undefined ? undefined : BigInt(position);
    this.cursorFor = this.ledger.latest()?.eventId ?? '';
  }

  /** Signs and appends a checkpoint at the cursor; false when another instance got there first. */
  private async record(): Promise<boolean> {
    const latest = this.ledger.latest();
    // The heads that moved, by stream id: the delta stored, and the order new streams enter.
    const known = this.ledger.headsAtLatest();
    const moved = sortedHeads(this.pending.values()).filter(
      (head) => known.get(head.streamId)?.hash !== head.hash,
    );
    const { streams, root } = this.ledger.rootWith(moved);
    const checkpoint = signCheckpoint(
      {
        sequence: this.ledger.nextRevisionOfStream() + 1,
        position: String(this.cursor),
        streams,
        root,
        previous: latest ? checkpointHash(latest) : GENESIS_HASH,
        recordedAt: new Date().toISOString(),
        keyId: this.key.keyId,
      },
      this.key.privateKey,
    );
    const data: CheckpointEventData = {
      ...checkpoint,
      heads: moved.map(({ streamId, revision, hash }) => [streamId, revision, hash] as const),
    };
    try {
      await this.store.appendToStream(
        CHECKPOINT_STREAM,
        [
          {
            eventId: randomUUID(),
            type: CHECKPOINT_EVENT_TYPE,
            version: CHECKPOINT_EVENT_VERSION,
            occurredAt: checkpoint.recordedAt,
            data: { ...data },
            metadata: { sourceSystem: 'audit-checkpointer' },
          },
        ],
        this.ledger.nextRevisionOfStream() === 0
          ? 'no_stream'
          : this.ledger.nextRevisionOfStream() - 1,
      );
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      this.cursorFor = undefined;
      return false;
    }
    await this.ledger.refresh();
    // From the latest checkpoint: ours, or one another instance recorded just after it.
    this.resetTo(this.ledger.latest()?.position);
    this.lastRecordedAt = Date.now();
    return true;
  }
}
