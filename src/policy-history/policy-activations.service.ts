import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { parsePolicy, Policy, PolicyError } from '../../projections';
import {
  EVENT_STORE,
  EventStore,
  WrongExpectedRevisionError,
} from '../event-store/event-store.port';
import { ConflictError, RequestValidationError } from '../http/errors/errors';
import {
  activationEvent,
  POLICY_STREAM,
  PolicyActivation,
  policyContentHash,
  PolicyTimeline,
} from './policy-timeline';
import { POLICY_TIMELINE } from './policy-timeline.provider';

/** How often an instance looks for activations made through another instance. */
const REFRESH_MS = 5_000;

/**
 * Activating a policy version (POST /v1/admin/policies, `npm run policy -- activate`), and
 * keeping this instance's timeline up to date with activations made elsewhere. The projection
 * engine also tells the timeline of each activation it meets, before it projects anything after.
 */
@Injectable()
export class PolicyActivations implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PolicyActivations.name);
  private timer?: NodeJS.Timeout;
  /** Events of the activation stream read so far (the next revision to read). */
  private read = 0;
  private refreshing?: Promise<void>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(POLICY_TIMELINE) private readonly timeline: PolicyTimeline,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.refresh().catch((error: Error) =>
        this.logger.error(`reading policy activations failed: ${error.message}`),
      );
    }, REFRESH_MS);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Reads the activations stored since the last read; one read at a time. */
  async refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      const events = await this.store.readStream(POLICY_STREAM, { fromRevision: this.read });
      for (const event of events) {
        this.timeline.observe(event);
        this.read = event.revision + 1;
      }
    })().finally(() => (this.refreshing = undefined));
    await this.refreshing;
  }

  /**
   * Validates `document` as the policy file is validated and activates it at the next global
   * position. Refused: the policy in force already (409), or a version number activated before
   * with other content (409: a changed policy needs a version of its own).
   */
  async activate(document: unknown, file: string): Promise<PolicyActivation> {
    let policy: Policy;
    try {
      policy = parsePolicy(document);
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      throw new RequestValidationError([
        { field: `policy.${error.field}`, rule: 'policy', message: error.message },
      ]);
    }
    await this.refresh();
    const hash = policyContentHash(document);
    const latest = this.timeline.latest();
    if (latest.contentHash === hash)
      throw new ConflictError(
        `policy ${policy.policyVersion} is already in force (activated ${latest.activatedAt} at position ${latest.position})`,
      );
    if (
      this.timeline
        .list()
        .some((known) => known.policyVersion === policy.policyVersion && known.contentHash !== hash)
    )
      throw new ConflictError(
        `policy version ${policy.policyVersion} was activated before with other content: give the changed policy a version of its own`,
      );
    let position: bigint | undefined;
    try {
      const result = await this.store.appendToStream(
        POLICY_STREAM,
        [activationEvent(document as Record<string, unknown>, policy, file, randomUUID())],
        this.read === 0 ? 'no_stream' : this.read - 1,
      );
      position = result.lastPosition;
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      throw new ConflictError('another policy was activated at the same moment: look again');
    }
    await this.refresh();
    return this.timeline.activationAt(position!);
  }
}
