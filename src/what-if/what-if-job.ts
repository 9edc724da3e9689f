import { CustomerState, initialCustomerState, Policy, projectCustomer } from '../../projections';
import { upcast } from '../domain/touchpoints';
import { customerStreamId, EventStore, RecordedEvent } from '../event-store/event-store.port';
import { customerView } from '../views/customer/customer-read-model';
import { CustomerDirectory } from './customer-directory';
import {
  WhatIfAffectedPage,
  WhatIfAffectedQuery,
  WhatIfCustomerAnswer,
  WhatIfSummary,
  WhatIfTally,
} from './what-if-tally';

export interface WhatIfProgress {
  customersDone: number;
  /** Customers in the read models when the replay began (the bar's total; an estimate). */
  customersTotal: number;
  /** Stored events replayed so far, each folded under both policies. */
  eventsFolded: number;
  eventsPerSecond: number;
  /** Customers done so far whose stage, tier, churn score or coverage status would change. */
  affected: number;
}

export interface WhatIfJobStatus {
  id: string;
  state: 'running' | 'finished' | 'failed';
  startedAt: string;
  finishedAt?: string;
  /** The policy versions compared: the one in force and the candidate. */
  policies: { current: string; candidate: string };
  /** The event store's head when the job started: events recorded later are left out. */
  asOfPosition: string | null;
  progress: WhatIfProgress;
  error?: string;
}

export interface WhatIfJobOptions {
  /** Customer ids asked of the directory at once. */
  readonly pageSize: number;
  /** Customer streams read ahead of the one being folded (reads overlap folding). */
  readonly readAhead: number;
  /** Affected customers kept for the paged list; the counts cover every customer. */
  readonly maxListed: number;
}

/** Ids a page, streams read ahead, affected customers listed (at most ~15 MB of list a job). */
export const DEFAULT_WHAT_IF_OPTIONS: WhatIfJobOptions = {
  pageSize: 200,
  readAhead: 8,
  maxListed: 50_000,
};

const STREAM_PAGE = 1000;

/** The four values a what-if compares, as the 360 shows them (customerView). */
function answerOf(state: CustomerState, policy: Policy): WhatIfCustomerAnswer {
  const view = customerView(state, policy);
  return {
    stage: view.lifecycle.stage,
    tier: view.valueTier.tier,
    churnScore: view.churnRisk.score,
    coverageStatus: view.rmCoverage.status,
  };
}

export interface CustomerWhatIf {
  readonly rmId: string | null;
  readonly current: WhatIfCustomerAnswer;
  readonly candidate: WhatIfCustomerAnswer;
}

/**
 * One customer's stream folded by the read models' own pure projection, under the policy in
 * force and under the candidate, event by event: the two answers differ only by the policy.
 */
export function replayUnderBoth(
  customerId: string,
  stream: readonly RecordedEvent[],
  current: Policy,
  candidate: Policy,
): CustomerWhatIf {
  let now = initialCustomerState(customerId);
  let then = now;
  for (const recorded of stream) {
    const event = upcast(recorded);
    now = projectCustomer(now, event, current);
    then = projectCustomer(then, event, candidate);
  }
  return {
    rmId: now.rmCoverage.rmId,
    current: answerOf(now, current),
    candidate: answerOf(then, candidate),
  };
}

export class WhatIfStoppedError extends Error {
  constructor() {
    super('stopped: the service shut down before the what-if finished');
    this.name = 'WhatIfStoppedError';
  }
}

/**
 * A what-if over every customer the directory lists, one customer's stream at a time (plus a
 * few read ahead), as of the event store's head when it starts. Writes nothing anywhere.
 */
export class WhatIfJob {
  private state: WhatIfJobStatus['state'] = 'running';
  private readonly startedAt = new Date();
  private finishedAt?: Date;
  private foldingSince?: number;
  private head?: bigint;
  private customersTotal = 0;
  private eventsFolded = 0;
  private error?: string;
  private stopping = false;
  private readonly tally: WhatIfTally;
  private headKnown!: () => void;
  /** Settles once the job knows the position it replays up to (asOfPosition), or has failed. */
  readonly ready = new Promise<void>((resolve) => (this.headKnown = resolve));

  constructor(
    readonly id: string,
    private readonly store: EventStore,
    private readonly directory: CustomerDirectory,
    private readonly current: Policy,
    private readonly candidate: Policy,
    private readonly options: WhatIfJobOptions,
  ) {
    this.tally = new WhatIfTally(options.maxListed);
  }

  /** Runs to the end; never rejects (a failure is kept in the status). */
  async run(): Promise<void> {
    try {
      await this.replayAll();
      this.state = 'finished';
    } catch (error) {
      this.state = 'failed';
      this.error = (error as Error).message;
    }
    this.finishedAt = new Date();
    this.headKnown();
  }

  /** Asks the run to end at the next customer (it then fails with WhatIfStoppedError). */
  stop(): void {
    this.stopping = true;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  status(): WhatIfJobStatus {
    const { customers, affected } = this.tally.counts();
    const seconds =
      this.foldingSince === undefined
        ? 0
        : ((this.finishedAt?.getTime() ?? Date.now()) - this.foldingSince) / 1000;
    return {
      id: this.id,
      state: this.state,
      startedAt: this.startedAt.toISOString(),
      ...(this.finishedAt ? { finishedAt: this.finishedAt.toISOString() } : {}),
      policies: { current: this.current.policyVersion, candidate: this.candidate.policyVersion },
      asOfPosition: this.head?.toString() ?? null,
      progress: {
        customersDone: customers,
        customersTotal: Math.max(this.customersTotal, customers),
        eventsFolded: this.eventsFolded,
        eventsPerSecond: seconds > 0 ? Math.round(this.eventsFolded / seconds) : 0,
        affected,
      },
      ...(this.error === undefined ? {} : { error: this.error }),
    };
  }

  /** The counts, once finished. */
  summary(): WhatIfSummary | undefined {
    return this.state === 'finished' ? this.tally.summary() : undefined;
  }

  affectedPage(query: WhatIfAffectedQuery): WhatIfAffectedPage | undefined {
    return this.state === 'finished' ? this.tally.affectedPage(query) : undefined;
  }

  private async replayAll(): Promise<void> {
    const head = await this.store.headPosition();
    this.head = head;
    this.headKnown();
    if (head === undefined) return;
    if (!(await this.directory.listsUpTo(head))) {
      throw new Error(
        `the read models have not reached position ${head}, so customers not yet projected would be missed; retry once GET /v1/admin/projections shows no lag`,
      );
    }
    this.customersTotal = await this.directory.count();
    this.foldingSince = Date.now();
    const reads: { customerId: string; stream: Promise<RecordedEvent[]> }[] = [];
    const ids = this.customerIds();
    for (;;) {
      while (reads.length <= this.options.readAhead) {
        const next = await ids.next();
        if (next.done) break;
        const stream = this.streamUpTo(next.value, head);
        // Awaited in turn below; until then a failure must not count as unhandled.
        stream.catch(() => undefined);
        reads.push({ customerId: next.value, stream });
      }
      const read = reads.shift();
      if (read === undefined) return;
      const stream = await read.stream;
      if (this.stopping) {
        // Let the reads in flight settle before the store may close.
        await Promise.allSettled(reads.map((pending) => pending.stream));
        throw new WhatIfStoppedError();
      }
      // Listed, but first recorded after the job started: not part of this what-if.
      if (stream.length === 0) continue;
      const { rmId, current, candidate } = replayUnderBoth(
        read.customerId,
        stream,
        this.current,
        this.candidate,
      );
      this.tally.add(read.customerId, rmId, current, candidate);
      this.eventsFolded += stream.length;
    }
  }

  private async *customerIds(): AsyncGenerator<string> {
    let after: string | undefined;
    for (;;) {
      const page = await this.directory.idsAfter(after, this.options.pageSize);
      yield* page;
      if (page.length < this.options.pageSize) return;
      after = page[page.length - 1];
    }
  }

  /** The customer's events recorded up to `head`, in stream order. */
  private async streamUpTo(customerId: string, head: bigint): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for (;;) {
      const page = await this.store.readStream(customerStreamId(customerId), {
        fromRevision: events.length,
        maxCount: STREAM_PAGE,
      });
      // A stream's positions rise with its revisions: the first one past the head ends it.
      const known = page.filter((event) => event.position <= head);
      events.push(...known);
      if (known.length < STREAM_PAGE) return events;
    }
  }
}
