import { Logger } from '@nestjs/common';
import { EventStore } from '../event-store/event-store.port';
import { ConflictError } from '../http/errors/errors';
import { DocumentVersion, ReadModelStore } from '../read-models/read-model-store.port';
import { LeaseStore } from './lease/lease.port';
import { leaseName, Partition } from './partitions';
import {
  DEFAULT_RUNNER_OPTIONS,
  PartitionRunner,
  RunnerOptions,
  WriteGate,
} from './partition-runner';
import { generationOf, physicalName, ProjectionDefinition } from './projection-definition';

export interface RebuildStatus {
  readonly generation: number;
  /** Partitions the new generation is built with (the configured count). */
  readonly partitions: number;
  readonly state: 'running' | 'switched' | 'failed';
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly processedEvents: number;
  readonly totalEvents: number;
  readonly eventsPerSecond: number;
  readonly error?: string;
}

export interface PartitionStatus {
  readonly partition: number;
  /** The instance holding the partition's lease, if any. */
  readonly owner: string | null;
  /** Whether this instance projects the partition (it holds the lease); otherwise it follows. */
  readonly projecting: boolean;
  readonly state: string;
  readonly checkpoint: string | null;
  readonly lagEvents: number;
  readonly lastError?: string;
}

export interface ProjectionStatus {
  readonly name: string;
  /** Whether this instance projects (holds the lease of at least one partition); others follow. */
  readonly leader: boolean;
  readonly instance: string;
  /** The instance holding every partition's lease, or null when none or several do. */
  readonly leaseHolder: string | null;
  readonly generation: number;
  /** Partitions the active generation is built with. */
  readonly partitions: number;
  /** Partitions configured (PROJECTION_PARTITIONS); a rebuild builds with this many. */
  readonly configuredPartitions: number;
  readonly collection: string;
  /** `live` when every partition is; otherwise the state of the partition furthest behind. */
  readonly state: string;
  /** The lowest partition checkpoint: everything up to it is projected. */
  readonly checkpoint: string | null;
  readonly headPosition: string | null;
  readonly lagEvents: number;
  readonly lagSeconds: number;
  readonly lastError?: string;
  readonly partitionStatus: PartitionStatus[];
  readonly rebuild?: RebuildStatus;
}

export class RebuildAlreadyRunningError extends ConflictError {
  constructor(readonly generation: number) {
    super(`a rebuild into generation ${generation} is already running`);
    this.name = 'RebuildAlreadyRunningError';
  }
}

export class NotLeaderError extends ConflictError {
  constructor(holder: string | undefined) {
    super(
      `this instance does not hold the projection lease (held by ${holder ?? 'nobody right now'}); send the rebuild to the instance that does`,
    );
    this.name = 'NotLeaderError';
  }
}

/** What every partition reflects: the lowest checkpoint, undefined while any has none. */
function lowestCheckpoint(runners: readonly PartitionRunner[]): bigint | undefined {
  let lowest: bigint | undefined;
  for (const { checkpoint } of runners) {
    if (checkpoint === undefined) return undefined;
    if (lowest === undefined || checkpoint < lowest) lowest = checkpoint;
  }
  return lowest;
}

/** Where a generation's partition count is kept (absent: one partition, as before partitions). */
export const GENERATIONS = 'projection_generations';

export interface ViewEngineSettings {
  readonly events: EventStore;
  readonly readModels: ReadModelStore;
  readonly leases: LeaseStore;
  readonly instance: string;
  readonly leaseTtlMs: number;
  readonly configuredPartitions: number;
  /** Why a lease holder is provably gone (its lease may be taken at once), or undefined. */
  readonly provenGone: (holder: string) => string | undefined;
  readonly writeGate: WriteGate;
  readonly runnerOptions?: RunnerOptions;
  /** Runs `job` in turn with the lease rounds and follower refreshes (never beside one). */
  readonly exclusive: <T>(job: () => Promise<T>) => Promise<T>;
}

/**
 * One view in this instance: the runners of its active generation's partitions (projecting the
 * partitions whose leases this instance holds, following the others' checkpoints), the share of
 * partitions it takes in each lease round, and rebuilds into the next generation.
 */
export class ViewEngine {
  private readonly logger: Logger;
  private generationValue = 1;
  private runners: PartitionRunner[] = [];
  private readonly owned = new Set<number>();
  private startingRebuild = false;
  private rebuilding?: { runners: PartitionRunner[]; status: RebuildStatus; done: Promise<void> };
  private lastRebuild?: RebuildStatus;
  /** When this instance began serving the current generation; the one before it is dropped
   *  two lease periods later, once every instance has had time to follow the switch. */
  private generationSince = Date.now();
  private previousDropped = false;

  constructor(
    readonly definition: ProjectionDefinition,
    private readonly settings: ViewEngineSettings,
  ) {
    this.logger = new Logger(`ViewEngine ${definition.name}`);
  }

  get name(): string {
    return this.definition.name;
  }

  get generation(): number {
    return this.generationValue;
  }

  get partitions(): number {
    return this.runners.length;
  }

  /** Whether this instance holds partition 0, which leads the view's rebuilds. */
  get leadsPartitionZero(): boolean {
    return this.owned.has(0);
  }

  get projects(): boolean {
    return this.owned.size > 0;
  }

  /** Loads the active generation (creating the first with the configured partitions) and follows it. */
  async init(): Promise<void> {
    await this.settings.readModels.ensureCollection({ name: GENERATIONS, indexedFields: [] });
    const active = generationOf(await this.settings.readModels.activeCollection(this.name));
    if (active === undefined) await this.recordGeneration(1, this.settings.configuredPartitions);
    await this.switchTo(active ?? 1);
    if (this.partitions !== this.settings.configuredPartitions)
      this.logger.warn(
        `generation ${this.generation} is built with ${this.partitions} partitions, ${this.settings.configuredPartitions} are configured: a rebuild (POST /v1/admin/projections/${this.name}/rebuild) builds with the configured count`,
      );
  }

  private partition(index: number, count = this.partitions): Partition {
    return { index, count };
  }

  private leaseOf(index: number): string {
    return leaseName(this.name, this.partition(index));
  }

  private runner(generation: number, partition: Partition): PartitionRunner {
    const { events, readModels, runnerOptions, writeGate } = this.settings;
    return new PartitionRunner(
      events,
      readModels,
      this.definition,
      generation,
      partition,
      runnerOptions ?? DEFAULT_RUNNER_OPTIONS,
      writeGate,
    );
  }

  /**
   * Records the partition count of a generation. The first generation keeps the first
   * instance's count (version 1, a later write is ignored); a rebuild overwrites what an earlier
   * attempt at the same generation recorded (a version above the stored one, whatever the clock).
   */
  private async recordGeneration(
    generation: number,
    partitions: number,
    overwrite = false,
  ): Promise<void> {
    const id = physicalName(this.name, generation);
    let version: DocumentVersion = 1;
    if (overwrite) {
      const stored = await this.settings.readModels.get(GENERATIONS, id);
      version = stored === undefined ? 1 : BigInt(stored.version) + 1n;
    }
    await this.settings.readModels.write(GENERATIONS, [
      { id, version, body: { view: this.name, generation, partitions } },
    ]);
  }

  private async partitionsOf(generation: number): Promise<number> {
    const stored = await this.settings.readModels.get(
      GENERATIONS,
      physicalName(this.name, generation),
    );
    const partitions = (stored?.body as { partitions?: unknown } | undefined)?.partitions;
    return typeof partitions === 'number' ? partitions : 1;
  }

  /**
   * Stops every runner of the current generation and follows `generation` instead, keeping the
   * partitions held when the count is the same. Runners change role in the background (each
   * after its batch in progress), so a lease round is never held up by a slow batch.
   */
  private async switchTo(generation: number, promoted?: PartitionRunner[]): Promise<void> {
    const previous = this.runners;
    const count = promoted?.length ?? (await this.partitionsOf(generation));
    // Leases name their partition count: those of another count are given back once stopped.
    const keep = previous.length === count ? new Set(this.owned) : new Set<number>();
    for (const [index, runner] of previous.entries()) {
      const stopped = this.background(runner.stop(), `stopping partition ${index}`);
      if (this.owned.has(index) && !keep.has(index))
        void stopped.then(() =>
          this.release(leaseName(this.name, { index, count: previous.length })),
        );
    }
    this.owned.clear();
    if (generation !== this.generationValue) {
      this.generationSince = Date.now();
      this.previousDropped = false;
    }
    this.generationValue = generation;
    this.runners =
      promoted ??
      Array.from({ length: count }, (_, index) =>
        this.runner(generation, this.partition(index, count)),
      );
    for (const [index, runner] of this.runners.entries()) {
      if (keep.has(index)) {
        this.owned.add(index);
        if (runner.role !== 'project')
          void this.background(runner.start(), `starting partition ${index}`);
      } else void this.background(runner.follow(), `following partition ${index}`);
    }
  }

  /** A runner's role change, logged if it fails (the next lease round asks for it again). */
  private background(change: Promise<void>, what: string): Promise<void> {
    return change.catch((error: Error) =>
      this.logger.error(`${what} of ${this.name} failed: ${error.message}`),
    );
  }

  private async release(lease: string): Promise<void> {
    await this.settings.leases.release(lease, this.settings.instance).catch(() => undefined);
  }

  /**
   * One lease round: renews the partitions held, gives back those above this instance's fair
   * share (`ceil(P / instances)`, highest first: partition 0 leads the rebuilds and moves last),
   * and takes free ones, or those of a provably gone holder, up to the share.
   */
  async round(instances: number): Promise<void> {
    const { leases, instance, leaseTtlMs } = this.settings;
    // Also here: the follower refresh waits its turn behind rounds, and a switch must not wait.
    await this.followSwitch();
    for (const index of [...this.owned]) {
      let holds = false;
      try {
        holds = await leases.acquire(this.leaseOf(index), instance, leaseTtlMs);
      } catch (error) {
        // Unable to renew: others will see the lease expire, so stop projecting as they take over.
        this.logger.error(`lease of partition ${index} not renewed: ${(error as Error).message}`);
      }
      if (!holds) {
        this.logger.warn(`instance ${instance} lost partition ${index}; following it`);
        void this.disown(index);
      }
    }
    const fair = this.definition.partitioned
      ? Math.ceil(this.partitions / Math.max(1, instances))
      : this.partitions;
    while (this.owned.size > fair) {
      const index = Math.max(...this.owned);
      // The lease is given back once the runner has finished its batch, so the next owner
      // never projects beside it; not if this instance took the partition again meanwhile.
      const lease = this.leaseOf(index);
      void this.disown(index).then(() =>
        this.owned.has(index) && this.leaseOf(index) === lease ? undefined : this.release(lease),
      );
      this.logger.log(`instance ${instance} hands partition ${index} over (share ${fair})`);
    }
    if (this.owned.size < fair) {
      const holders = await this.holders();
      for (let index = 0; index < this.partitions && this.owned.size < fair; index++) {
        if (this.owned.has(index)) continue;
        const lease = this.leaseOf(index);
        const holder = holders.get(lease);
        let took = false;
        if (holder === undefined) took = await leases.acquire(lease, instance, leaseTtlMs);
        else {
          const why = this.settings.provenGone(holder);
          if (why !== undefined) {
            took = await leases.takeOver(lease, instance, leaseTtlMs, holder);
            if (took) this.logger.warn(`took partition ${index} from ${holder} at once: ${why}`);
          }
        }
        if (took) {
          this.owned.add(index);
          this.logger.log(`instance ${instance} projects partition ${index} of ${this.name}`);
        }
      }
    }
    // Every runner in the role the leases give it; a role change that failed is asked again.
    for (const [index, runner] of this.runners.entries()) {
      if (this.owned.has(index)) {
        if (runner.role !== 'project')
          void this.background(runner.start(), `starting partition ${index}`);
      } else if (runner.role !== 'follow')
        void this.background(runner.follow(), `following partition ${index}`);
    }
    if (this.owned.has(0) && !this.rebuilding) {
      // Also when a collection was added to the view after its generation was first activated.
      await this.activateIfNeeded();
      await this.dropPreviousGeneration();
    }
  }

  /**
   * The generation before the active one goes two lease periods after this instance began
   * serving the active one: every instance has followed the switch by then. Done by the holder
   * of partition 0, so also after the instance that switched died.
   */
  private async dropPreviousGeneration(): Promise<void> {
    if (this.previousDropped || this.generation === 1) return;
    if (Date.now() - this.generationSince < this.settings.leaseTtlMs * 2) return;
    await this.dropGeneration(this.generation - 1);
    this.previousDropped = true;
  }

  private async holders(): Promise<ReadonlyMap<string, string>> {
    if (this.partitions === 1) {
      const holder = await this.settings.leases.holder(this.leaseOf(0));
      return new Map(holder === undefined ? [] : [[this.leaseOf(0), holder]]);
    }
    return this.settings.leases.holders(`projection:${this.name}#`);
  }

  /** Stops projecting a partition; resolves when its runner has finished its batch. */
  private disown(index: number): Promise<void> {
    this.owned.delete(index);
    if (index === 0 && this.rebuilding)
      for (const runner of this.rebuilding.runners)
        void this.background(runner.stop(), 'stopping the rebuild');
    return this.background(this.runners[index].follow(), `following partition ${index}`);
  }

  private async activateIfNeeded(): Promise<void> {
    const { readModels } = this.settings;
    for (const { logical } of this.definition.collections) {
      if ((await readModels.activeCollection(logical)) === undefined) {
        // Its runner may not have created them yet: activation needs them to exist.
        for (const { logical: name, indexedFields } of this.definition.collections)
          await readModels.ensureCollection({ name: this.collection(name), indexedFields });
        await this.activate(this.generation);
        return;
      }
    }
  }

  /** Every collection of the generation becomes the one queries read; the view's own last. */
  private async activate(generation: number): Promise<void> {
    const ordered = [...this.definition.collections].sort(
      (a, b) => Number(a.logical === this.name) - Number(b.logical === this.name),
    );
    for (const { logical } of ordered)
      await this.settings.readModels.setActiveCollection(
        logical,
        physicalName(logical, generation),
      );
  }

  /** Followers notice a rebuild's switch-over sooner than the next lease round. */
  async followSwitch(): Promise<void> {
    if (this.rebuilding || this.startingRebuild) return;
    const active = generationOf(await this.settings.readModels.activeCollection(this.name));
    if (active !== undefined && active !== this.generation) {
      this.logger.log(`following the switch to generation ${active}`);
      await this.switchTo(active);
    }
  }

  /** Physical name of one of the view's collections in the generation queries read now. */
  collection(logical: string): string {
    return physicalName(logical, this.generation);
  }

  /** Position every partition of the active generation fully reflects, if any. */
  checkpoint(): bigint | undefined {
    return lowestCheckpoint(this.runners);
  }

  /** Waits (bounded) until every partition reflects `position`, across generation switches. */
  async reached(position: bigint, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      const runners = this.runners;
      const all = await Promise.all(runners.map((runner) => runner.reached(position, remaining)));
      if (all.every(Boolean) && runners === this.runners) return true;
    }
  }

  async status(): Promise<ProjectionStatus> {
    const { events } = this.settings;
    const runners = this.runners;
    const checkpoint = this.checkpoint();
    const head = await events.headPosition();
    const lagEvents = await events.countEvents(checkpoint);
    const [oldestUnprojected] =
      lagEvents > 0 ? await events.readAll({ after: checkpoint, maxCount: 1 }) : [];
    const holders = await this.holders();
    const partitionStatus: PartitionStatus[] = [];
    for (const [index, runner] of runners.entries()) {
      partitionStatus.push({
        partition: index,
        owner: holders.get(this.leaseOf(index)) ?? null,
        projecting: this.owned.has(index),
        state: runner.state,
        checkpoint: runner.checkpoint?.toString() ?? null,
        lagEvents:
          runner.checkpoint === checkpoint
            ? lagEvents
            : await events.countEvents(runner.checkpoint),
        ...(runner.lastError ? { lastError: runner.lastError } : {}),
      });
    }
    const owners = new Set(partitionStatus.map((partition) => partition.owner));
    const behind = partitionStatus.find((partition) => partition.state !== 'live');
    const lastError = partitionStatus.find((partition) => partition.lastError)?.lastError;
    const rebuild = this.rebuilding ? await this.refreshRebuildStatus() : this.lastRebuild;
    return {
      name: this.name,
      leader: this.projects,
      instance: this.settings.instance,
      leaseHolder: owners.size === 1 ? [...owners][0] : null,
      generation: this.generation,
      partitions: runners.length,
      configuredPartitions: this.settings.configuredPartitions,
      collection: this.collection(this.name),
      state: behind?.state ?? 'live',
      checkpoint: checkpoint?.toString() ?? null,
      headPosition: head?.toString() ?? null,
      lagEvents,
      lagSeconds: oldestUnprojected
        ? Math.max(0, (Date.now() - Date.parse(oldestUnprojected.recordedAt)) / 1000)
        : 0,
      ...(lastError ? { lastError } : {}),
      partitionStatus,
      ...(rebuild ? { rebuild } : {}),
    };
  }

  /**
   * Starts rebuilding into a fresh generation from position zero, with the configured number of
   * partitions projected side by side in this instance; resolves once it has started. The
   * switch-over happens when every partition has caught up with the store's head. Runs on the
   * instance holding partition 0.
   */
  async rebuild(): Promise<RebuildStatus> {
    if (!this.owned.has(0))
      throw new NotLeaderError(await this.settings.leases.holder(this.leaseOf(0)));
    if (this.rebuilding) throw new RebuildAlreadyRunningError(this.rebuilding.status.generation);
    // Two requests at once: the second must not pass the check above while the first awaits.
    if (this.startingRebuild) throw new RebuildAlreadyRunningError(this.generation + 1);
    this.startingRebuild = true;
    try {
      const generation = this.generation + 1;
      const count = this.settings.configuredPartitions;
      // A rebuild interrupted earlier (crash, restart) left a partial generation: start it afresh.
      await this.dropGeneration(generation);
      await this.recordGeneration(generation, count, true);
      const runners = Array.from({ length: count }, (_, index) =>
        this.runner(generation, { index, count }),
      );
      const status: RebuildStatus = {
        generation,
        partitions: count,
        state: 'running',
        startedAt: new Date().toISOString(),
        processedEvents: 0,
        totalEvents: await this.settings.events.countEvents(),
        eventsPerSecond: 0,
      };
      this.rebuilding = { runners, status, done: this.runRebuild(runners) };
      return status;
    } finally {
      this.startingRebuild = false;
    }
  }

  /** Resolves when the current rebuild (if any) has switched over or failed. */
  async rebuildFinished(): Promise<RebuildStatus | undefined> {
    await this.rebuilding?.done;
    return this.lastRebuild;
  }

  private async runRebuild(runners: PartitionRunner[]): Promise<void> {
    const generation = runners[0].generation;
    try {
      await Promise.all(runners.map((runner) => runner.start()));
      // Catch up to the head as it moves, then switch while the new runners keep going.
      const head = await this.settings.events.headPosition();
      if (head !== undefined) {
        const reached = await Promise.all(runners.map((runner) => runner.reached(head)));
        if (!reached.every(Boolean))
          throw new Error(
            'stopped before catching up (shutdown, or the projection lease was lost)',
          );
      }
      await this.settings.exclusive(() => this.switchToRebuilt(runners));
      this.lastRebuild = {
        ...(await this.refreshRebuildStatus()),
        state: 'switched',
        finishedAt: new Date().toISOString(),
      };
      this.logger.log(`rebuilt ${this.name} into generation ${generation}`);
    } catch (error) {
      await Promise.all(runners.map((runner) => runner.stop()));
      this.lastRebuild = {
        ...(await this.refreshRebuildStatus()),
        state: 'failed',
        finishedAt: new Date().toISOString(),
        error: (error as Error).message,
      };
      this.logger.error(
        `rebuild into generation ${generation} failed: ${(error as Error).message}`,
      );
    } finally {
      this.rebuilding = undefined;
    }
  }

  /** The switch-over, in turn with the lease rounds (which must not see it half-done). */
  private async switchToRebuilt(runners: PartitionRunner[]): Promise<void> {
    if (!this.owned.has(0)) throw new Error('the lease of partition 0 was lost');
    // Other instances see the switch within their follow interval and take their partitions
    // of the new generation from these checkpoints; this instance keeps the runners of the
    // partitions it holds (if the count is unchanged), and hands the others to their owners.
    const same = runners.length === this.partitions;
    const mine = new Set(this.owned);
    await Promise.all(
      runners.map((runner, index) => (same && mine.has(index) ? undefined : runner.stop())),
    );
    await this.activate(runners[0].generation);
    await this.switchTo(runners[0].generation, runners);
  }

  private async refreshRebuildStatus(): Promise<RebuildStatus> {
    const current = this.rebuilding!;
    const remaining = await this.settings.events.countEvents(lowestCheckpoint(current.runners));
    const processed = Math.max(0, current.status.totalEvents - remaining);
    const seconds = (Date.now() - Date.parse(current.status.startedAt)) / 1000;
    current.status = {
      ...current.status,
      totalEvents: processed + remaining,
      processedEvents: processed,
      eventsPerSecond: seconds > 0 ? Math.round(processed / seconds) : 0,
    };
    return current.status;
  }

  private async dropGeneration(generation: number): Promise<void> {
    // Partition checkpoints (`customers_g2#3/8`) go with the view's own collection.
    for (const { logical } of this.definition.collections)
      await this.settings.readModels.dropCollection(physicalName(logical, generation));
  }

  /** Stops every runner (a rebuild's too) and gives the partitions held back at once. */
  async stop(): Promise<void> {
    const rebuilding = this.rebuilding;
    if (rebuilding) {
      await Promise.all(rebuilding.runners.map((runner) => runner.stop()));
      await rebuilding.done;
    }
    await Promise.all(this.runners.map((runner) => runner.stop()));
    for (const index of this.owned) await this.release(this.leaseOf(index));
    this.owned.clear();
  }
}
