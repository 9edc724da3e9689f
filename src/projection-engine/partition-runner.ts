import { Logger } from '@nestjs/common';
import { EventStore, RecordedEvent } from '../event-store/event-store.port';
import { ReadModelStore, StoredDocument } from '../read-models/read-model-store.port';
import { checkpointName, Partition, partitionOf } from './partitions';
import { physicalName, ProjectionDefinition } from './projection-definition';

/** `following`: another instance holds the lease and projects; this one tracks its checkpoint. */
export type RunnerState =
  'starting' | 'catching-up' | 'live' | 'retrying' | 'paused' | 'following' | 'stopped';

/** What a runner was asked to do: project its partition, follow another's checkpoint, or nothing. */
export type RunnerRole = 'project' | 'follow' | 'stop';

/** Why the runner must not write now (its store's volume is nearly full), or undefined. */
export type WriteGate = () => string | undefined;

export interface RunnerOptions {
  /** Events read and written per batch. */
  readonly batchSize: number;
  /** Pause when caught up, before looking for new events. */
  readonly idleMs: number;
  /** Pause after a failed batch (database away...) before trying it again. */
  readonly retryMs: number;
}

export const DEFAULT_RUNNER_OPTIONS: RunnerOptions = { batchSize: 1000, idleMs: 50, retryMs: 1000 };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Keeps one partition of one generation of a view up to date: reads the event store in global
 * order from the partition's checkpoint, hands the partition's events to the view's definition,
 * writes the documents it returns (version-guarded) and then the checkpoint (docs/architecture.md rule 6).
 * A crash anywhere replays from the last checkpoint, and the guard turns the replay into no-ops.
 * When another instance holds the partition's lease, the runner follows its checkpoint instead.
 */
export class PartitionRunner {
  private readonly logger = new Logger(PartitionRunner.name);
  private loop?: Promise<void>;
  private stopping = false;
  private checkpointValue: bigint | undefined;
  private stateValue: RunnerState = 'starting';
  private lastErrorValue: string | undefined;
  /** Called with false when the checkpoint moved, with true when the runner stopped. */
  private readonly waiters = new Set<(stopped: boolean) => void>();
  /** Logical collection name -> physical name in this generation. */
  readonly collections: ReadonlyMap<string, string>;
  /** Where the partition's checkpoint is kept (the name of its primary collection when P = 1). */
  readonly checkpointName: string;
  private readonly primary: string;
  private roleValue: RunnerRole = 'stop';
  private changes: Promise<void> = Promise.resolve();

  constructor(
    private readonly events: EventStore,
    private readonly readModels: ReadModelStore,
    readonly definition: ProjectionDefinition,
    readonly generation: number,
    readonly partition: Partition,
    private readonly options: RunnerOptions = DEFAULT_RUNNER_OPTIONS,
    private readonly writeGate: WriteGate = () => undefined,
  ) {
    this.collections = new Map(
      definition.collections.map(({ logical }) => [logical, physicalName(logical, generation)]),
    );
    this.primary = this.physical(definition.name);
    this.checkpointName = checkpointName(this.primary, partition);
  }

  /** The physical name of one of the view's collections in this generation. */
  physical(logical: string): string {
    const physical = this.collections.get(logical);
    if (physical === undefined)
      throw new Error(`view ${this.definition.name} owns no collection ${logical}`);
    return physical;
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

  /**
   * What the runner was last asked to do, at once (the change itself waits for the batch in
   * progress): lease rounds decide from this, so a slow batch never delays a lease renewal.
   */
  get role(): RunnerRole {
    return this.roleValue;
  }

  /** Projects in the background: for the instance holding the partition's lease. */
  start(): Promise<void> {
    return this.become('project', async () => {
      this.stateValue = 'starting';
      await this.ensureCollections();
      this.checkpointValue = await this.readModels.readCheckpoint(this.checkpointName);
      this.stopping = false;
      this.stateValue = 'catching-up';
      this.loop = this.run();
    });
  }

  /**
   * Tracks the checkpoint another instance's runner advances, without projecting, so queries
   * with read-your-writes work on every instance.
   */
  follow(): Promise<void> {
    return this.become('follow', async () => {
      // Not "stopped" while it changes role: operators read this state during a switch-over.
      this.stateValue = 'starting';
      await this.ensureCollections();
      this.stopping = false;
      this.stateValue = 'following';
      this.loop = this.trackCheckpoint();
    });
  }

  private async ensureCollections(): Promise<void> {
    for (const { logical, indexedFields } of this.definition.collections)
      await this.readModels.ensureCollection({ name: this.physical(logical), indexedFields });
  }

  stop(): Promise<void> {
    return this.become('stop', async () => {
      this.stateValue = 'stopped';
    });
  }

  /** Role changes run one after another, each after the loop of the previous one has ended. */
  private become(role: RunnerRole, enter: () => Promise<void>): Promise<void> {
    this.roleValue = role;
    // Tells a running loop to end now, not when the change's turn comes.
    this.stopping = true;
    const change = this.changes.then(async () => {
      await this.halt();
      // A later change is queued behind this one: leave the role to it.
      if (this.roleValue !== role) return;
      try {
        await enter();
      } catch (error) {
        // Not in the role: the next lease round sees it and asks again.
        if (this.roleValue === role) this.roleValue = 'stop';
        this.stateValue = 'retrying';
        this.lastErrorValue = (error as Error).message;
        throw error;
      }
    });
    this.changes = change.catch(() => undefined);
    return change;
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
          `projection ${this.checkpointName} failed a batch, retrying: ${this.lastErrorValue}`,
        );
        await sleep(this.options.retryMs);
      }
    }
  }

  private async trackCheckpoint(): Promise<void> {
    while (!this.stopping) {
      try {
        const checkpoint = await this.readModels.readCheckpoint(this.checkpointName);
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
    const { definition, partition } = this;
    definition.observe?.(batch);
    const events = batch.filter((event) => {
      const key = definition.keyOf(event);
      return key !== undefined && partitionOf(key, partition.count) === partition.index;
    });
    const writes =
      events.length === 0
        ? []
        : await definition.apply({ events, load: (logical, ids) => this.load(logical, ids) });
    // Every other collection first: if we crash before the primary and the checkpoint are
    // written, the replay rewrites identical documents, which the version guard ignores.
    // Readers look no further than the checkpoint, so they never see a half-written batch.
    for (const { collection, writes: documents } of writes) {
      if (collection !== definition.name && documents.length > 0)
        await this.readModels.write(this.physical(collection), documents);
    }
    const primary = writes.find(({ collection }) => collection === definition.name);
    await this.readModels.write(this.primary, primary?.writes ?? [], {
      name: this.checkpointName,
      position: batch[batch.length - 1].position,
    });
  }

  private async load(
    logical: string,
    ids: readonly string[],
  ): Promise<ReadonlyMap<string, StoredDocument>> {
    const collection = this.physical(logical);
    const found = new Map<string, StoredDocument>();
    for (let start = 0; start < ids.length; start += 1000) {
      const page = ids.slice(start, start + 1000);
      const { documents } = await this.readModels.find(collection, {
        where: { id: { in: page } },
        limit: page.length,
      });
      for (const document of documents) found.set(document.id, document);
    }
    return found;
  }
}
