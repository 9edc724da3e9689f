import { Logger } from '@nestjs/common';
import { upcast } from '../domain/touchpoints';
import { EventStore, RecordedEvent } from '../event-store/event-store.port';
import { PolicyTimeline } from '../policy-history/policy-timeline';
import { checkpointMessage, OUTBOX_FIELDS, outboxMessages } from '../publishing/outbox-messages';
import { DocumentWrite, ReadModelStore } from '../read-models/read-model-store.port';
import {
  CUSTOMER_FIELDS,
  CustomerDocument,
  projectCustomerEvents,
  STAGE_TRANSITION_FIELDS,
} from './customer-read-model';

/** `following`: another instance holds the lease and projects; this one tracks its checkpoint. */
export type RunnerState =
  'starting' | 'catching-up' | 'live' | 'retrying' | 'paused' | 'following' | 'stopped';

/** Why the runner must not write now (its store's volume is nearly full), or undefined. */
export type WriteGate = () => string | undefined;

/**
 * Called for each PersonalDataErased event the runner projects, before its checkpoint moves past
 * it: shreds the customer's data key (idempotent), so an erasure whose ingest crashed before the
 * shred is finished here, and again by every rebuild.
 */
export type ErasureHook = (customerId: string, event: RecordedEvent) => Promise<void>;

export interface RunnerOptions {
  /** Events read and written per batch. */
  readonly batchSize: number;
  /** Pause when caught up, before looking for new events. */
  readonly idleMs: number;
  /** Pause after a failed batch (database away...) before trying it again. */
  readonly retryMs: number;
}

export const DEFAULT_RUNNER_OPTIONS: RunnerOptions = { batchSize: 1000, idleMs: 50, retryMs: 1000 };

const CUSTOMER_STREAM = /^customer-(.+)$/;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Physical collection names of one generation of the customer read models. */
export const generationCollections = (generation: number) => ({
  customers: `customers_g${generation}`,
  transitions: `stage_transitions_g${generation}`,
  outbox: `outbox_g${generation}`,
});

export type GenerationCollections = ReturnType<typeof generationCollections>;

/**
 * Keeps one generation of the customer read models up to date: reads the event store in global
 * order from its checkpoint, applies the pure projections per customer, writes the documents
 * (version-guarded by stream revision) and then the checkpoint (DESIGN.md rule 6). A crash
 * anywhere replays from the last checkpoint, and the guard turns the replay into no-ops.
 */
export class CustomerProjectionRunner {
  private readonly logger = new Logger(CustomerProjectionRunner.name);
  private loop?: Promise<void>;
  private stopping = false;
  private checkpointValue: bigint | undefined;
  private stateValue: RunnerState = 'starting';
  private lastErrorValue: string | undefined;
  /** Called with false when the checkpoint moved, with true when the runner stopped. */
  private readonly waiters = new Set<(stopped: boolean) => void>();
  readonly collections: GenerationCollections;

  constructor(
    private readonly events: EventStore,
    private readonly readModels: ReadModelStore,
    /** Told of each activation met here, so each event is projected under the policy in force at it. */
    private readonly policies: PolicyTimeline,
    readonly generation: number,
    private readonly options: RunnerOptions = DEFAULT_RUNNER_OPTIONS,
    private readonly writeGate: WriteGate = () => undefined,
    private readonly onErasure: ErasureHook = async () => undefined,
  ) {
    this.collections = generationCollections(generation);
  }

  get checkpoint(): bigint | undefined {
    return this.checkpointValue;
  }

  get state(): RunnerState {
    return this.stateValue;
  }

  get lastError(): string | undefined {
    return this.lastErrorValue;
  }

  /** Projects in the background: for the instance holding the projection's lease. */
  async start(): Promise<void> {
    await this.halt();
    this.stateValue = 'starting';
    await this.ensureCollections();
    this.checkpointValue = await this.readModels.readCheckpoint(this.collections.customers);
    this.stopping = false;
    this.stateValue = 'catching-up';
    this.loop = this.run();
  }

  /**
   * Tracks the checkpoint another instance's runner advances, without projecting, so queries
   * with read-your-writes work on every instance.
   */
  async follow(): Promise<void> {
    await this.halt();
    // Not "stopped" while it changes role: operators read this state during a switch-over.
    this.stateValue = 'starting';
    await this.ensureCollections();
    this.stopping = false;
    this.stateValue = 'following';
    this.loop = this.trackCheckpoint();
  }

  private async ensureCollections(): Promise<void> {
    await this.readModels.ensureCollection({
      name: this.collections.customers,
      indexedFields: CUSTOMER_FIELDS,
    });
    await this.readModels.ensureCollection({
      name: this.collections.transitions,
      indexedFields: STAGE_TRANSITION_FIELDS,
    });
    await this.readModels.ensureCollection({
      name: this.collections.outbox,
      indexedFields: OUTBOX_FIELDS,
    });
  }

  async stop(): Promise<void> {
    await this.halt();
    this.stateValue = 'stopped';
  }

  /** Ends the loop; waiters for a position are told it stopped (the engine waits again). */
  private async halt(): Promise<void> {
    this.stopping = true;
    await this.loop;
    this.loop = undefined;
    this.waiters.forEach((waiter) => waiter(true));
  }

  /**
   * Resolves true once everything up to `position` is projected, false after `timeoutMs`
   * (without a timeout it waits as long as it takes) or when the runner stops first.
   */
  async reached(position: bigint, timeoutMs?: number): Promise<boolean> {
    const done = () => this.checkpointValue !== undefined && this.checkpointValue >= position;
    if (done()) return true;
    return new Promise((resolve) => {
      const waiter = (stopped: boolean) => {
        if (!stopped && !done()) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(!stopped);
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => waiter(true), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /**
   * Projects until caught up with the store's head, in the caller's time: for a stopped runner
   * (benchmarks, command-line rebuilds), not beside the background loop.
   */
  async catchUp(): Promise<void> {
    while ((await this.step()) > 0);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const blocked = this.writeGate();
      if (blocked !== undefined) {
        // Waiting, not failing: a write into a full volume would hang the embedded database.
        this.stateValue = 'paused';
        this.lastErrorValue = blocked;
        await sleep(this.options.retryMs);
        continue;
      }
      try {
        const processed = await this.step();
        this.lastErrorValue = undefined;
        if (processed === 0) {
          this.stateValue = 'live';
          await sleep(this.options.idleMs);
        } else {
          // PGlite answers from resolved promises without ever yielding to the event loop:
          // without this, HTTP requests and timers (the lease renewal) starve during catch-up.
          await new Promise((resolve) => setImmediate(resolve));
        }
      } catch (error) {
        this.stateValue = 'retrying';
        this.lastErrorValue = (error as Error).message;
        this.logger.error(
          `projection ${this.collections.customers} failed a batch, retrying: ${this.lastErrorValue}`,
        );
        await sleep(this.options.retryMs);
      }
    }
  }

  private async trackCheckpoint(): Promise<void> {
    while (!this.stopping) {
      try {
        const checkpoint = await this.readModels.readCheckpoint(this.collections.customers);
        if (checkpoint !== undefined && checkpoint !== this.checkpointValue) {
          this.checkpointValue = checkpoint;
          this.waiters.forEach((waiter) => waiter(false));
        }
        this.lastErrorValue = undefined;
      } catch (error) {
        this.lastErrorValue = (error as Error).message;
      }
      await sleep(this.options.idleMs);
    }
  }

  /** Projects the next batch; returns how many events it covered. */
  private async step(): Promise<number> {
    const batch = await this.events.readAll({
      after: this.checkpointValue,
      maxCount: this.options.batchSize,
    });
    if (batch.length === 0) return 0;
    await this.apply(batch);
    this.checkpointValue = batch[batch.length - 1].position;
    this.waiters.forEach((waiter) => waiter(false));
    return batch.length;
  }

  private async apply(batch: readonly RecordedEvent[]): Promise<void> {
    const byCustomer = new Map<string, RecordedEvent[]>();
    const outboxWrites: DocumentWrite[] = [];
    // Activations first: an event after one in this batch is projected under it.
    for (const event of batch) this.policies.observe(event);
    for (const event of batch) {
      const customerId = CUSTOMER_STREAM.exec(event.streamId)?.[1];
      if (customerId === undefined) {
        // Signed audit checkpoints go out as they are (topic crm.audit-checkpoints.v1).
        const message = checkpointMessage(event);
        if (message) outboxWrites.push({ id: message.id, version: 0, body: { ...message } });
        continue;
      }
      const events = byCustomer.get(customerId);
      if (events) events.push(event);
      else byCustomer.set(customerId, [event]);
    }
    const current = await this.currentDocuments([...byCustomer.keys()]);

    const customerWrites: DocumentWrite[] = [];
    const transitionWrites: DocumentWrite[] = [];
    for (const [customerId, events] of byCustomer) {
      const stored = current.get(customerId);
      // A replay after a crash: the document already reflects these revisions.
      const fresh = events.filter(
        (event) => stored === undefined || event.revision > stored.version,
      );
      if (fresh.length === 0) continue;
      const { document, transitions } = projectCustomerEvents(
        customerId,
        stored?.body,
        fresh.map((recorded) => ({
          revision: recorded.revision,
          event: upcast(recorded),
          recorded,
        })),
        ({ recorded }) => this.policies.at(recorded.position),
        ({ event, recorded }, before, after, policy) => {
          const projected = {
            ...event,
            recordedAt: recorded.recordedAt,
            position: recorded.position,
          };
          for (const message of outboxMessages(customerId, projected, before, after, policy)) {
            // Messages never change once derived: version 0, so a replay's copy is ignored.
            outboxWrites.push({ id: message.id, version: 0, body: { ...message } });
          }
        },
      );
      customerWrites.push({
        id: customerId,
        version: fresh[fresh.length - 1].revision,
        body: { ...document },
      });
      for (const { revision, transition } of transitions) {
        transitionWrites.push({
          id: `${customerId}:${transition.sequence}`,
          version: revision,
          body: { ...transition },
        });
      }
    }
    // Transitions and outbox first: if we crash before the customers and checkpoint are
    // written, the replay rewrites identical documents, which the version guard ignores. Outbox
    // readers look no further than the checkpoint, so they never see a half-written batch.
    if (transitionWrites.length > 0)
      await this.readModels.write(this.collections.transitions, transitionWrites);
    if (outboxWrites.length > 0) await this.readModels.write(this.collections.outbox, outboxWrites);
    for (const [customerId, events] of byCustomer) {
      for (const event of events)
        if (event.type === 'PersonalDataErased') await this.onErasure(customerId, event);
    }
    await this.readModels.write(this.collections.customers, customerWrites, {
      name: this.collections.customers,
      position: batch[batch.length - 1].position,
    });
  }

  private async currentDocuments(
    customerIds: readonly string[],
  ): Promise<Map<string, { version: number; body: CustomerDocument }>> {
    const found = new Map<string, { version: number; body: CustomerDocument }>();
    for (let start = 0; start < customerIds.length; start += 1000) {
      const ids = customerIds.slice(start, start + 1000);
      const page = await this.readModels.find(this.collections.customers, {
        where: { id: { in: ids } },
        limit: ids.length,
      });
      for (const document of page.documents) {
        found.set(document.id, {
          version: document.version,
          body: document.body as unknown as CustomerDocument,
        });
      }
    }
    return found;
  }
}
