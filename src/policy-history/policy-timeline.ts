import { createHash } from 'node:crypto';
import { parsePolicy, Policy } from '../../projections';
import { canonicalJson } from '../event-store/hash-chain';
import type { EventToAppend, RecordedEvent } from '../event-store/event-store.port';

/** The system stream of policy activations (hash-chained like every stream). */
export const POLICY_STREAM = 'policy-activations';
export const POLICY_ACTIVATED = 'PolicyActivated';

/** What a PolicyActivated event holds: the whole policy, so a rebuild needs no file. */
export interface PolicyActivatedData {
  readonly policyVersion: string;
  /** SHA-256 (hex) of the policy document's RFC 8785 canonical JSON. */
  readonly contentHash: string;
  /** The file it was read from (e.g. retail-bank.v2.json), for people. */
  readonly file: string;
  readonly policy: Readonly<Record<string, unknown>>;
}

/** One activation: from `position` on, events are projected under `policy`. */
export interface PolicyActivation {
  readonly position: bigint;
  readonly eventId: string;
  readonly activatedAt: string;
  readonly policyVersion: string;
  readonly contentHash: string;
  readonly file: string;
  readonly policy: Policy;
}

export const policyContentHash = (document: unknown): string =>
  createHash('sha256').update(canonicalJson(document)).digest('hex');

/** The event that activates `document` (validated by the caller with parsePolicy). */
export function activationEvent(
  document: Readonly<Record<string, unknown>>,
  policy: Policy,
  file: string,
  eventId: string,
): EventToAppend {
  const data: PolicyActivatedData = {
    policyVersion: policy.policyVersion,
    contentHash: policyContentHash(document),
    file,
    policy: document,
  };
  return {
    eventId,
    type: POLICY_ACTIVATED,
    version: 1,
    occurredAt: new Date().toISOString(),
    data: { ...data },
    metadata: { sourceSystem: 'policy-activation' },
  };
}

/** The activation a stored event records; undefined for other events or an altered one. */
export function activationOf(event: RecordedEvent): PolicyActivation | undefined {
  if (event.streamId !== POLICY_STREAM || event.type !== POLICY_ACTIVATED) return undefined;
  const data = event.data as Partial<PolicyActivatedData>;
  if (typeof data.policy !== 'object' || data.policy === null) return undefined;
  if (data.contentHash !== policyContentHash(data.policy)) return undefined;
  let policy: Policy;
  try {
    policy = parsePolicy(data.policy);
  } catch {
    return undefined;
  }
  return {
    position: event.position,
    eventId: event.eventId,
    activatedAt: event.recordedAt,
    policyVersion: policy.policyVersion,
    contentHash: data.contentHash,
    file: typeof data.file === 'string' ? data.file : '',
    policy,
  };
}

/**
 * Which policy was in force at each global position: the last activation at or before it.
 * Events stored before the first activation (history older than policy versioning) are under
 * the first one. The projection engine tells it of activations as it meets them in the global
 * order, so every event is projected under the same policy live and in a rebuild.
 */
export class PolicyTimeline {
  private readonly activations: PolicyActivation[] = [];

  /** One policy for all positions: for unit tests and benchmarks. */
  static fixed(policy: Policy): PolicyTimeline {
    const timeline = new PolicyTimeline();
    timeline.add({
      position: -1n,
      eventId: '',
      activatedAt: '',
      policyVersion: policy.policyVersion,
      contentHash: '',
      file: '',
      policy,
    });
    return timeline;
  }

  /** Adds the activation an event records (once); true when it was new. */
  observe(event: RecordedEvent): boolean {
    const activation = activationOf(event);
    return activation !== undefined && this.add(activation);
  }

  add(activation: PolicyActivation): boolean {
    if (this.activations.some((known) => known.position === activation.position)) return false;
    this.activations.push(activation);
    this.activations.sort((a, b) =>
      a.position < b.position ? -1 : a.position > b.position ? 1 : 0,
    );
    return true;
  }

  /** The activation in force at `position`. */
  activationAt(position: bigint): PolicyActivation {
    if (this.activations.length === 0) throw new Error('no policy has been activated');
    let found = this.activations[0];
    for (const activation of this.activations) {
      if (activation.position > position) break;
      found = activation;
    }
    return found;
  }

  at(position: bigint): Policy {
    return this.activationAt(position).policy;
  }

  /** The policy in force at an instant: the last activation recorded by then. */
  atInstant(instant: string): Policy {
    const at = Date.parse(instant);
    let found = this.activations[0];
    if (found === undefined) throw new Error('no policy has been activated');
    for (const activation of this.activations)
      if (activation.activatedAt === '' || Date.parse(activation.activatedAt) <= at)
        found = activation;
    return found.policy;
  }

  /** The policy in force now: the latest activation. */
  current(): Policy {
    return this.latest().policy;
  }

  latest(): PolicyActivation {
    const last = this.activations.at(-1);
    if (last === undefined) throw new Error('no policy has been activated');
    return last;
  }

  list(): readonly PolicyActivation[] {
    return this.activations;
  }
}
