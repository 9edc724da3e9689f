import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Policy } from '../../projections';
import { PolicyTimeline } from '../policy-history/policy-timeline';
import { POLICY_TIMELINE } from '../policy-history/policy-timeline.provider';
import { EVENT_STORE, EventStore } from '../event-store/event-store.port';
import { ConflictError, NotFoundError } from '../http/errors/errors';
import { ProjectionEngine } from '../projection-engine/projection-engine.service';
import { READ_MODEL_STORE, ReadModelStore } from '../read-models/read-model-store.port';
import { CustomerDirectory, ReadModelCustomerDirectory } from './customer-directory';
import { DEFAULT_WHAT_IF_OPTIONS, WhatIfJob } from './what-if-job';

/** Jobs kept in this instance's memory, the running one included; the oldest finished go first. */
export const MAX_WHAT_IF_JOBS_KEPT = 5;
/** How long a job waits for the read models to list every customer known at its start. */
const READ_MODELS_WAIT_MS = 30_000;

export class WhatIfRunningError extends ConflictError {
  constructor(id: string) {
    super(`what-if ${id} is still running: follow it in GET /v1/audit/what-if/${id}, then retry`);
    this.name = 'WhatIfRunningError';
  }
}

/**
 * What-if jobs: every customer replayed under a candidate policy beside the policy in force, in
 * the background, one at a time per instance. Jobs live in this instance's memory only (a restart
 * forgets them; ask the instance that started one), at most MAX_WHAT_IF_JOBS_KEPT of them.
 * Nothing is written anywhere.
 */
@Injectable()
export class WhatIfService implements BeforeApplicationShutdown {
  private readonly jobs = new Map<string, { job: WhatIfJob; done: Promise<void> }>();
  private readonly directory: CustomerDirectory;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_STORE) readModels: ReadModelStore,
    @Inject(POLICY_TIMELINE) private readonly policies: PolicyTimeline,
    engine: ProjectionEngine,
  ) {
    this.directory = new ReadModelCustomerDirectory(
      readModels,
      () => engine.collections().customers,
      (position) => engine.reached(position, READ_MODELS_WAIT_MS),
    );
  }

  start(candidate: Policy): WhatIfJob {
    const running = [...this.jobs.values()].find(({ job }) => job.running);
    if (running) throw new WhatIfRunningError(running.job.id);
    const job = new WhatIfJob(
      randomUUID(),
      this.store,
      this.directory,
      this.policies.current(),
      candidate,
      DEFAULT_WHAT_IF_OPTIONS,
    );
    this.jobs.set(job.id, { job, done: job.run() });
    for (const [id, kept] of this.jobs) {
      if (this.jobs.size <= MAX_WHAT_IF_JOBS_KEPT) break;
      if (!kept.job.running) this.jobs.delete(id);
    }
    return job;
  }

  job(id: string): WhatIfJob {
    const kept = this.jobs.get(id);
    if (!kept) throw new NotFoundError(`what-if ${id}`);
    return kept.job;
  }

  /** Before the stores close: the running job ends at its next customer. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const { job } of this.jobs.values()) job.stop();
    await Promise.all([...this.jobs.values()].map(({ done }) => done));
  }
}
