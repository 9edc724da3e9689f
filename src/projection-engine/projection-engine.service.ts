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
import { EVENT_STORE, EventStore } from '../event-store/event-store.port';
import { NotFoundError } from '../http/errors/errors';
import { EmbeddedDatabase } from '../postgres/embedded-database';
import { EMBEDDED_DATABASE } from '../postgres/postgres.module';
import { StorageGuard } from '../postgres/storage-guard';
import { READ_MODEL_STORE, ReadModelStore } from '../read-models/read-model-store.port';
import { CUSTOMERS, STAGE_TRANSITIONS } from '../views/customer/customer-read-model';
import { LEASE_STORE, LeaseStore } from './lease/lease.port';
import { leaseOwner, provenGone } from './lease/previous-holder';
import { ProjectionDefinition } from './projection-definition';
import { ProjectionStatus, RebuildStatus, ViewEngine } from './view-engine';

export { NotLeaderError, RebuildAlreadyRunningError } from './view-engine';
export type { PartitionStatus, ProjectionStatus, RebuildStatus } from './view-engine';

/** The registered views (src/views/views.ts), first the customer view. */
export const PROJECTION_DEFINITIONS = Symbol('ProjectionDefinitions');

/** Physical collections of the customer view that queries read now. */
export interface GenerationCollections {
  readonly customers: string;
  readonly transitions: string;
  readonly outbox: string;
}

const FOLLOW_INTERVAL_MS = 500;
/** Every instance keeps a lease `instance:<id>`: how they count each other to share partitions. */
const MEMBER_PREFIX = 'instance:';

/**
 * Runs every registered view: per view, the partitions of its active generation, shared between
 * the instances of a deployment (each instance takes `ceil(P / instances)` partitions, and the
 * others' partitions are followed so read-your-writes works everywhere), and rebuilds into the
 * next generation. Lease rounds run every third of the lease TTL.
 */
@Injectable()
export class ProjectionEngine implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ProjectionEngine.name);
  private readonly owner = leaseOwner(randomUUID().slice(0, 8));
  readonly instance = this.owner.id;
  private readonly leaseTtlMs: number;
  /** The lease lives in the embedded database this process alone has open. */
  private readonly leaseStoreIsOurs: boolean;
  private readonly views: ViewEngine[];
  private leaseTimer?: NodeJS.Timeout;
  private followTimer?: NodeJS.Timeout;
  /** Lease rounds, follower refreshes and rebuild switch-overs run one at a time, in turn. */
  private turns: Promise<void> = Promise.resolve();
  private readonly queued = new Set<string>();

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(LEASE_STORE) private readonly leases: LeaseStore,
    @Inject(PROJECTION_DEFINITIONS) definitions: readonly ProjectionDefinition[],
    @Inject(EMBEDDED_DATABASE) embedded: EmbeddedDatabase | null,
    storage: StorageGuard,
    config: ConfigService<Environment, true>,
  ) {
    this.leaseTtlMs = config.get('PROJECTION_LEASE_TTL_MS', { infer: true });
    this.leaseStoreIsOurs =
      embedded !== null && config.get('READ_MODEL_STORE', { infer: true }) === 'postgres';
    const configuredPartitions = config.get('PROJECTION_PARTITIONS', { infer: true });
    this.views = definitions.map(
      (definition) =>
        new ViewEngine(definition, {
          events,
          readModels,
          leases,
          instance: this.instance,
          leaseTtlMs: this.leaseTtlMs,
          configuredPartitions: definition.partitioned ? configuredPartitions : 1,
          provenGone: (holder) => this.provenGone(holder),
          writeGate: () => storage.blockedReason(),
          exclusive: (job) => this.inTurn(job),
        }),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const view of this.views) await view.init();
    await this.inTurn(() => this.leaseRound());
    // Renew well before expiry: a missed renewal or two must not hand the lease over.
    this.leaseTimer = setInterval(
      () => this.once('lease', () => this.leaseRound()),
      this.leaseTtlMs / 3,
    );
    this.leaseTimer.unref();
    // Followers notice a rebuild's switch-over sooner than the next lease round.
    this.followTimer = setInterval(
      () => this.once('follow', () => this.followSwitches()),
      FOLLOW_INTERVAL_MS,
    );
    this.followTimer.unref();
  }

  /** Before the database client closes (PostgresModule closes it on application shutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.leaseTimer);
    clearInterval(this.followTimer);
    await this.turns;
    // Hand over at once rather than after the leases expire.
    for (const view of this.views) await view.stop();
    await this.leases.release(`${MEMBER_PREFIX}${this.instance}`, this.instance).catch(() => {});
    this.owner.ended();
  }

  /**
   * Whether this instance runs the deployment's singleton jobs (scheduler, relay, checkpoints):
   * it holds partition 0 of the customer view (with one partition: the projection lease).
   */
  isLeader(): boolean {
    return this.customers.leadsPartitionZero;
  }

  private provenGone(holder: string): string | undefined {
    if (holder === this.instance) return undefined;
    return this.leaseStoreIsOurs
      ? 'the embedded database holding the lease is open in this process alone'
      : provenGone(holder);
  }

  /** Runs `job` after every job queued before it; its failure is the caller's. */
  private inTurn<T>(job: () => Promise<T>): Promise<T> {
    const turn = this.turns.then(job);
    this.turns = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /**
   * Queues a periodic job unless one of its kind is already waiting: a slow turn delays the
   * next lease round, never drops it, and rounds do not pile up behind it.
   */
  private once(kind: string, job: () => Promise<void>): void {
    if (this.queued.has(kind)) return;
    this.queued.add(kind);
    void this.inTurn(async () => {
      this.queued.delete(kind);
      await job();
    }).catch((error: Error) => this.logger.error(`${kind} round failed: ${error.message}`));
  }

  private async followSwitches(): Promise<void> {
    for (const view of this.views) await view.followSwitch();
  }

  private async leaseRound(): Promise<void> {
    let instances = 1;
    try {
      await this.leases.acquire(`${MEMBER_PREFIX}${this.instance}`, this.instance, this.leaseTtlMs);
      const members = await this.leases.holders(MEMBER_PREFIX);
      instances = [...members.values()].filter(
        (member) => member === this.instance || this.provenGone(member) === undefined,
      ).length;
    } catch (error) {
      this.logger.error(`membership round failed: ${(error as Error).message}`);
    }
    for (const view of this.views) {
      try {
        await view.round(Math.max(1, instances));
      } catch (error) {
        this.logger.error(`lease round of ${view.name} failed: ${(error as Error).message}`);
      }
    }
  }

  /** The view named `name`. @throws NotFoundError for an unknown one. */
  view(name: string): ViewEngine {
    const view = this.views.find((candidate) => candidate.name === name);
    if (!view) throw new NotFoundError(`projection ${name}`);
    return view;
  }

  private get customers(): ViewEngine {
    return this.view(CUSTOMERS);
  }

  /** Physical collections of the customer view that queries read now. */
  collections(): GenerationCollections {
    const view = this.customers;
    return {
      customers: view.collection(CUSTOMERS),
      transitions: view.collection(STAGE_TRANSITIONS),
      outbox: view.collection('outbox'),
    };
  }

  /** Position the customer read models (and their outbox) fully reflect, if any. */
  checkpoint(): bigint | undefined {
    return this.customers.checkpoint();
  }

  /** Waits (bounded) until a view (the customer view) reflects `position`, across switches. */
  reached(position: bigint, timeoutMs: number, name: string = CUSTOMERS): Promise<boolean> {
    return this.view(name).reached(position, timeoutMs);
  }

  async status(): Promise<ProjectionStatus[]> {
    return Promise.all(this.views.map((view) => view.status()));
  }

  /** Starts rebuilding the customer view (see ViewEngine.rebuild). */
  rebuild(name: string = CUSTOMERS): Promise<RebuildStatus> {
    return this.view(name).rebuild();
  }

  async rebuildFinished(name: string = CUSTOMERS): Promise<RebuildStatus | undefined> {
    return this.view(name).rebuildFinished();
  }
}
