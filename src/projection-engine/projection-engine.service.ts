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
import { PolicyTimeline } from '../policy-history/policy-timeline';
import { POLICY_TIMELINE } from '../policy-history/policy-timeline.provider';
import { ConflictError } from '../http/errors';
import { EVENT_STORE, EventStore } from '../event-store/event-store.port';
import { EMBEDDED_DATABASE } from '../postgres/postgres.module';
import { EmbeddedDatabase } from '../postgres/embedded-database';
import { StorageGuard } from '../postgres/storage-guard';
import { READ_MODEL_STORE, ReadModelStore } from '../read-models/read-model-store.port';
import { OUTBOX } from '../publishing/outbox-messages';
import { erasureTombstone } from '../privacy/erasure';
import { PersonalDataVault } from '../privacy/personal-data-vault';
import { CUSTOMERS, STAGE_TRANSITIONS } from './customer-read-model';
import { CustomerProjectionRunner, GenerationCollections } from './customer-projection-runner';
import { LEASE_STORE, LeaseStore } from './lease/lease.port';
import { leaseOwner, provenGone } from './lease/previous-holder';

export interface RebuildStatus {
  readonly generation: number;
  readonly state: 'running' | 'switched' | 'failed';
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly processedEvents: number;
  readonly totalEvents: number;
  readonly eventsPerSecond: number;
  readonly error?: string;
}

export interface ProjectionStatus {
  readonly name: string;
  /** Whether this instance holds the projection's lease and projects; others follow. */
  readonly leader: boolean;
  readonly instance: string;
  readonly leaseHolder: string | null;
  readonly generation: number;
  readonly collection: string;
  readonly state: string;
  readonly checkpoint: string | null;
  readonly headPosition: string | null;
  readonly lagEvents: number;
  readonly lagSeconds: number;
  readonly lastError?: string;
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

const GENERATION = /_g(\d+)$/;
const LEASE = 'projection:customers';
const FOLLOW_INTERVAL_MS = 500;
const generationOf = (physical: string | undefined) =>
  physical === undefined ? undefined : Number(GENERATION.exec(physical)?.[1] ?? 1);

/**
 * Owns the customer projection: the live runner of the active generation, and rebuilds that
 * fill the next generation from position zero and switch over when caught up. Of several
 * instances, the one holding the projection's lease projects (and rebuilds); the others follow
 * its checkpoint and take over when the lease expires.
 */
@Injectable()
export class ProjectionEngine implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ProjectionEngine.name);
  private active!: CustomerProjectionRunner;
  /** A rebuild is being set up (its old partial generation dropped, events counted). */
  private startingRebuild = false;
  private rebuilding?: {
    runner: CustomerProjectionRunner;
    status: RebuildStatus;
    done: Promise<void>;
  };
  private lastRebuild?: RebuildStatus;
  private leader = false;
  private readonly owner = leaseOwner(randomUUID().slice(0, 8));
  readonly instance = this.owner.id;
  private readonly leaseTtlMs: number;
  /** The lease lives in the embedded database this process alone has open. */
  private readonly leaseStoreIsOurs: boolean;
  private leaseTimer?: NodeJS.Timeout;
  private followTimer?: NodeJS.Timeout;
  private tick?: Promise<void>;

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(POLICY_TIMELINE) private readonly policies: PolicyTimeline,
    @Inject(LEASE_STORE) private readonly leases: LeaseStore,
    @Inject(EMBEDDED_DATABASE) embedded: EmbeddedDatabase | null,
    private readonly storage: StorageGuard,
    private readonly vault: PersonalDataVault,
    config: ConfigService<Environment, true>,
  ) {
    this.leaseTtlMs = config.get('PROJECTION_LEASE_TTL_MS', { infer: true });
    this.leaseStoreIsOurs =
      embedded !== null && config.get('READ_MODEL_STORE', { infer: true }) === 'postgres';
  }

  async onApplicationBootstrap(): Promise<void> {
    this.active = this.runner(generationOf(await this.readModels.activeCollection(CUSTOMERS)) ?? 1);
    await this.leadOrFollow();
    // Renew well before expiry: a missed renewal or two must not hand the lease over.
    this.leaseTimer = setInterval(() => void this.leadOrFollow(), this.leaseTtlMs / 3);
    this.leaseTimer.unref();
    // Followers notice a rebuild's switch-over sooner than the next lease round.
    this.followTimer = setInterval(() => void this.refreshFollower(), FOLLOW_INTERVAL_MS);
    this.followTimer.unref();
  }

  /** Before the database client closes (PostgresModule closes it on application shutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.leaseTimer);
    clearInterval(this.followTimer);
    await this.tick;
    await this.rebuilding?.runner.stop();
    await this.active?.stop();
    // Hand over at once rather than after the lease expires.
    if (this.leader) await this.leases.release(LEASE, this.instance).catch(() => undefined);
    this.owner.ended();
  }

  isLeader(): boolean {
    return this.leader;
  }

  /** One lease round: take or renew it and project, or follow the holder. Never overlaps itself. */
  private leadOrFollow(): Promise<void> {
    this.tick ??= this.leaseRound().finally(() => (this.tick = undefined));
    return this.tick;
  }

  private async leaseRound(): Promise<void> {
    let holds: boolean;
    try {
      holds =
        (await this.leases.acquire(LEASE, this.instance, this.leaseTtlMs)) ||
        (await this.takeOverFromGoneHolder());
    } catch (error) {
      // Unable to renew: others will see the lease expire, so stop projecting as they take over.
      this.logger.error(`projection lease round failed: ${(error as Error).message}`);
      holds = false;
    }
    try {
      if (holds && !this.leader) {
        this.leader = true;
        await this.active.start();
        // Also when a collection was added to the generation after it was first activated.
        if (
          !(await this.readModels.activeCollection(CUSTOMERS)) ||
          !(await this.readModels.activeCollection(OUTBOX))
        )
          await this.activate(this.active);
        this.logger.log(`instance ${this.instance} holds the projection lease and projects`);
      } else if (!holds) {
        if (this.leader) {
          this.leader = false;
          this.logger.warn(`instance ${this.instance} lost the projection lease; following`);
          await this.rebuilding?.runner.stop();
        }
        await this.followActiveGeneration();
      }
    } catch (error) {
      this.logger.error(`projection lease round failed: ${(error as Error).message}`);
    }
  }

  /**
   * A restart after a crash need not wait out the dead process's lease: when the holder is
   * provably gone, take the lease from it at once.
   */
  private async takeOverFromGoneHolder(): Promise<boolean> {
    const holder = await this.leases.holder(LEASE);
    if (holder === undefined) return false;
    const why = this.leaseStoreIsOurs
      ? 'the embedded database holding the lease is open in this process alone'
      : provenGone(holder);
    if (why === undefined) return false;
    const took = await this.leases.takeOver(LEASE, this.instance, this.leaseTtlMs, holder);
    if (took) this.logger.warn(`took the projection lease from ${holder} at once: ${why}`);
    return took;
  }

  /** Between lease rounds, and never beside one. */
  private refreshFollower(): void {
    if (this.leader || this.tick) return;
    this.tick = this.followActiveGeneration()
      .catch((error: Error) => this.logger.error(`following failed: ${error.message}`))
      .finally(() => (this.tick = undefined));
  }

  /** Followers track the generation the leader made active, and its checkpoint. */
  private async followActiveGeneration(): Promise<void> {
    const generation = generationOf(await this.readModels.activeCollection(CUSTOMERS));
    if (generation !== undefined && generation !== this.active.generation) {
      const previous = this.active;
      this.active = this.runner(generation);
      await previous.stop();
    }
    if (this.active.state !== 'following') await this.active.follow();
  }

  /** Physical collections queries read now. */
  collections(): GenerationCollections {
    return this.active.collections;
  }

  /** Position the active read models (and their outbox) fully reflect, if any. */
  checkpoint(): bigint | undefined {
    return this.active.checkpoint;
  }

  /** Waits (bounded) until the active read models reflect `position`, across generation switches. */
  async reached(position: bigint, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      if (await this.active.reached(position, remaining)) return true;
    }
  }

  async status(): Promise<ProjectionStatus[]> {
    const runner = this.active;
    const head = await this.events.headPosition();
    const lagEvents = await this.events.countEvents(runner.checkpoint);
    const [oldestUnprojected] =
      lagEvents > 0 ? await this.events.readAll({ after: runner.checkpoint, maxCount: 1 }) : [];
    const rebuild = this.rebuilding ? await this.refreshRebuildStatus() : this.lastRebuild;
    return [
      {
        name: CUSTOMERS,
        leader: this.leader,
        instance: this.instance,
        leaseHolder: (await this.leases.holder(LEASE)) ?? null,
        generation: runner.generation,
        collection: runner.collections.customers,
        state: runner.state,
        checkpoint: runner.checkpoint?.toString() ?? null,
        headPosition: head?.toString() ?? null,
        lagEvents,
        lagSeconds: oldestUnprojected
          ? Math.max(0, (Date.now() - Date.parse(oldestUnprojected.recordedAt)) / 1000)
          : 0,
        ...(runner.lastError ? { lastError: runner.lastError } : {}),
        ...(rebuild ? { rebuild } : {}),
      },
    ];
  }

  /**
   * Starts rebuilding into a fresh generation from position zero; resolves once it has started.
   * The switch-over happens when the new generation has caught up with the store's head.
   */
  async rebuild(): Promise<RebuildStatus> {
    if (!this.leader) throw new NotLeaderError(await this.leases.holder(LEASE));
    if (this.rebuilding) throw new RebuildAlreadyRunningError(this.rebuilding.runner.generation);
    // Two requests at once: the second must not pass the check above while the first awaits.
    if (this.startingRebuild) throw new RebuildAlreadyRunningError(this.active.generation + 1);
    this.startingRebuild = true;
    try {
      const runner = this.runner(this.active.generation + 1);
      // A rebuild interrupted earlier (crash, restart) left a partial generation: start it afresh.
      await this.dropGeneration(runner.collections);
      const status: RebuildStatus = {
        generation: runner.generation,
        state: 'running',
        startedAt: new Date().toISOString(),
        processedEvents: 0,
        totalEvents: await this.events.countEvents(),
        eventsPerSecond: 0,
      };
      this.rebuilding = { runner, status, done: this.runRebuild(runner) };
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

  private async runRebuild(runner: CustomerProjectionRunner): Promise<void> {
    try {
      await runner.start();
      // Catch up to the head as it moves, then switch while the new runner keeps following.
      const head = await this.events.headPosition();
      if (head !== undefined && !(await runner.reached(head)))
        throw new Error('stopped before catching up (shutdown, or the projection lease was lost)');
      const previous = this.active;
      await this.activate(runner);
      this.active = runner;
      await previous.stop();
      await this.dropGeneration(previous.collections);
      this.lastRebuild = {
        ...(await this.refreshRebuildStatus()),
        state: 'switched',
        finishedAt: new Date().toISOString(),
      };
      this.logger.log(`rebuilt customers into generation ${runner.generation}`);
    } catch (error) {
      await runner.stop();
      this.lastRebuild = {
        ...(await this.refreshRebuildStatus()),
        state: 'failed',
        finishedAt: new Date().toISOString(),
        error: (error as Error).message,
      };
      this.logger.error(
        `rebuild into generation ${runner.generation} failed: ${(error as Error).message}`,
      );
    } finally {
      this.rebuilding = undefined;
    }
  }

  private async refreshRebuildStatus(): Promise<RebuildStatus> {
    const current = this.rebuilding!;
    const remaining = await this.events.countEvents(current.runner.checkpoint);
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

  private async dropGeneration(collections: GenerationCollections): Promise<void> {
    await this.readModels.dropCollection(collections.customers);
    await this.readModels.dropCollection(collections.transitions);
    await this.readModels.dropCollection(collections.outbox);
  }

  private async activate(runner: CustomerProjectionRunner): Promise<void> {
    await this.readModels.setActiveCollection(STAGE_TRANSITIONS, runner.collections.transitions);
    await this.readModels.setActiveCollection(OUTBOX, runner.collections.outbox);
    await this.readModels.setActiveCollection(CUSTOMERS, runner.collections.customers);
  }

  private runner(generation: number): CustomerProjectionRunner {
    return new CustomerProjectionRunner(
      this.events,
      this.readModels,
      this.policies,
      generation,
      undefined,
      () => this.storage.blockedReason(),
      (customerId, event) => this.vault.shred(customerId, erasureTombstone(event)),
    );
  }
}
