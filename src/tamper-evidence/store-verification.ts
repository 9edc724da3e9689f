import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EVENT_STORE, EventStore, RecordedEvent } from '../event-store/event-store.port';
import { ChainBackfill, PostgresEventStore } from '../event-store/postgres-event-store';
import { ConflictError } from '../http/errors/errors';
import { CHECKPOINT_STREAM, StreamHead } from './checkpoint';
import { Checkpointer } from './checkpointer';
import {
  CheckpointVerification,
  storedCheckpoints,
  verifyCheckpoints,
  VerificationFailure,
  verifyStream,
} from './chain-verification';
import { CHECKPOINT_SIGNING_KEY, CheckpointSigningKey } from './signing-key';

/** At most this many failures are listed in a report (all are counted). */
const LISTED_FAILURES = 1000;
const PAGE = 5000;

export type VerificationJobKind = 'verify' | 'backfill';

export interface VerificationReport {
  readonly passed: boolean;
  readonly events: number;
  readonly streams: number;
  readonly checkpoints: number;
  /** The latest checkpoint that verified whole, which the stored events were compared with. */
  readonly trustedCheckpoint: { readonly sequence: number; readonly position: string } | null;
  /** Backfills run on this store: the chain of events up to their position starts there. */
  readonly backfills: readonly ChainBackfill[];
  readonly failureCount: number;
  /** The first failures, stream by stream. */
  readonly failures: readonly VerificationFailure[];
}

export interface VerificationJob {
  readonly id: string;
  readonly kind: VerificationJobKind;
  readonly state: 'running' | 'passed' | 'failed' | 'done' | 'error';
  readonly startedAt: string;
  readonly finishedAt?: string;
  /** Events to look at, as counted at the start. */
  readonly total: number;
  readonly processed: number;
  readonly eventsPerSecond: number;
  readonly report?: VerificationReport;
  readonly backfill?: ChainBackfill;
  readonly error?: string;
}

export class VerificationRunningError extends ConflictError {
  constructor(kind: VerificationJobKind) {
    super(`a ${kind} job is already running: follow it in GET /v1/audit/verify`);
    this.name = 'VerificationRunningError';
  }
}

export class BackfillUnsupportedError extends ConflictError {
  constructor() {
    super(
      'the hash-chain backfill rewrites stored rows, which only the PostgreSQL/PGlite event store allows; EventStoreDB events are immutable',
    );
    this.name = 'BackfillUnsupportedError';
  }
}

/**
 * Whole-store verification and the one-off backfill, as jobs of this instance (one at a time),
 * followed through GET /v1/audit/verify and `npm run verify`.
 */
@Injectable()
export class StoreVerification {
  private readonly logger = new Logger(StoreVerification.name);
  private current?: VerificationJob;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CHECKPOINT_SIGNING_KEY) private readonly key: CheckpointSigningKey,
    private readonly checkpointer: Checkpointer,
  ) {}

  job(): VerificationJob | undefined {
    return this.current;
  }

  /** Starts a job; its promise settles when it ends (the HTTP route does not wait for it). */
  start(kind: VerificationJobKind): { job: VerificationJob; done: Promise<VerificationJob> } {
    if (this.current?.state === 'running') throw new VerificationRunningError(this.current.kind);
    if (kind === 'backfill' && !(this.store instanceof PostgresEventStore))
      throw new BackfillUnsupportedError();
    const started = Date.now();
    this.current = {
      id: randomUUID(),
      kind,
      state: 'running',
      startedAt: new Date(started).toISOString(),
      total: 0,
      processed: 0,
      eventsPerSecond: 0,
    };
    const job = this.current;
    const update = (change: Partial<VerificationJob>) => {
      if (this.current?.id !== job.id) return;
      const processed = change.processed ?? this.current.processed;
      const seconds = (Date.now() - started) / 1000;
      this.current = {
        ...this.current,
        ...change,
        // The count at the start sees only what subscribers see; the read sees every row.
        total: Math.max(change.total ?? this.current.total, processed),
        eventsPerSecond: seconds > 0 ? Math.round(processed / seconds) : 0,
      };
    };
    const run =
      kind === 'verify'
        ? this.verifyAll(update).then((report) =>
            update({ state: report.passed ? 'passed' : 'failed', report }),
          )
        : this.backfill(update).then((backfill) => update({ state: 'done', backfill }));
    const done = run
      .catch((error: Error) => {
        this.logger.error(`${kind} failed: ${error.message}`);
        update({ state: 'error', error: error.message });
      })
      .then(() => {
        update({ finishedAt: new Date().toISOString() });
        return this.current!;
      });
    return { job, done };
  }

  private async backfill(
    update: (change: Partial<VerificationJob>) => void,
  ): Promise<ChainBackfill> {
    const store = this.store as PostgresEventStore;
    update({ total: await store.countUnchained() });
    const backfill = await store.backfillChain((processed) => update({ processed }));
    // No checkpoint could cover those events before: one over every stream's head now.
    if (backfill.events > 0) await this.checkpointer.rescanFromStart();
    return backfill;
  }

  /** Verifies every stream's chain and the checkpoints; see docs/auditing.md for the kinds. */
  async verifyAll(
    update: (change: Partial<VerificationJob>) => void = () => {},
  ): Promise<VerificationReport> {
    update({ total: await this.store.countEvents() });
    const checkpointEvents = await this.store.readStream(CHECKPOINT_STREAM);
    const parsed = storedCheckpoints(checkpointEvents);
    const checked: CheckpointVerification = verifyCheckpoints(
      parsed.checkpoints,
      this.key.publicKey,
      this.key.keyId,
    );
    const failures: VerificationFailure[] = [...parsed.failures, ...checked.failures];
    let failureCount = failures.length;
    const trusted = checked.trusted;
    const coverOf = (streamId: string) =>
      trusted && {
        sequence: trusted.checkpoint.data.sequence,
        position: BigInt(trusted.checkpoint.data.position),
        head: trusted.heads.get(streamId),
      };
    const seen = new Set<string>();
    let events = 0;
    let streams = 0;
    const check = (streamId: string, stream: readonly RecordedEvent[]) => {
      seen.add(streamId);
      if (stream.length > 0 && streamId !== CHECKPOINT_STREAM) streams++;
      events += stream.length;
      const found = verifyStream(streamId, stream, coverOf(streamId));
      failureCount += found.length;
      failures.push(...found.slice(0, Math.max(0, LISTED_FAILURES - failures.length)));
      update({ processed: events });
    };
    for await (const [streamId, stream] of this.streams()) check(streamId, stream);
    // Streams a checkpoint vouches for that are gone altogether.
    const vouched: StreamHead[] = trusted ? [...trusted.heads.values()] : [];
    for (const head of vouched) if (!seen.has(head.streamId)) check(head.streamId, []);
    return {
      passed: failureCount === 0,
      events,
      streams,
      checkpoints: parsed.checkpoints.length,
      trustedCheckpoint: trusted
        ? {
            sequence: trusted.checkpoint.data.sequence,
            position: trusted.checkpoint.data.position,
          }
        : null,
      backfills: this.store instanceof PostgresEventStore ? await this.store.chainBackfills() : [],
      failureCount,
      failures,
    };
  }

  /**
   * Each stream's events in revision order. PostgreSQL/PGlite: paged in stream order, one
   * stream in memory at a time. Other stores: through readAll, grouped in memory.
   */
  private async *streams(): AsyncGenerator<[string, RecordedEvent[]]> {
    const store = this.store;
    if (store instanceof PostgresEventStore) {
      let current: RecordedEvent[] = [];
      // The next page is read while this one is checked: the database and the hashing overlap.
      let next = store.readByStream(undefined, PAGE);
      for (;;) {
        const page = await next;
        const last = page[page.length - 1];
        if (page.length === PAGE)
          next = store.readByStream({ streamId: last.streamId, revision: last.revision }, PAGE);
        for (const event of page) {
          if (current.length > 0 && current[0].streamId !== event.streamId) {
            yield [current[0].streamId, current];
            current = [];
          }
          current.push(event);
        }
        if (page.length < PAGE) break;
      }
      if (current.length > 0) yield [current[0].streamId, current];
      return;
    }
    // Other stores: the stream ids first (memory grows with streams, not events), then each
    // stream read on its own.
    const streamIds = new Set<string>();
    let after: bigint | undefined;
    for (;;) {
      const page = await store.readAll({ after, maxCount: PAGE });
      for (const event of page) streamIds.add(event.streamId);
      if (page.length < PAGE) break;
      after = page[page.length - 1].position;
    }
    for (const streamId of streamIds) yield [streamId, await store.readStream(streamId)];
  }
}
