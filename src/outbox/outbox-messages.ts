import {
  contactablePurposesOf,
  CustomerState,
  Policy,
  StageTransition,
  TierTransition,
} from '../../projections';
import { SYSTEM_TOUCHPOINT_TYPES, withoutPersonalData } from '../domain/touchpoints';
import { CollectionSpec } from '../read-models/read-model-store.port';
import { checkpointOf, CHECKPOINT_STREAM, payloadOf } from '../tamper-evidence/checkpoint';
import { OutboundMessage, TOPICS } from './outbound-message';

/** Logical name of the outbox collection; each projection generation has its own copy. */
export const OUTBOX = 'outbox';

export const OUTBOX_FIELDS = [
  { path: 'sequence', type: 'string' },
  { path: 'topic', type: 'string' },
] as const satisfies CollectionSpec['indexedFields'];

/** Up to this many messages per event, each with its own slot in the sequence. */
const SLOTS_PER_EVENT = 4n;
const enum Slot {
  Touchpoint = 0,
  Stage = 1,
  Tier = 2,
}
/** Wide enough for any 64-bit position times SLOTS_PER_EVENT, so sequences compare as strings. */
const SEQUENCE_DIGITS = 21;

/** A sequence number as its fixed-width text. */
export const formatSequence = (value: bigint) => value.toString().padStart(SEQUENCE_DIGITS, '0');

const sequenceOf = (position: bigint, slot: Slot) =>
  formatSequence(position * SLOTS_PER_EVENT + BigInt(slot));

/** The highest sequence an event at `position` can produce: what a reader may see up to. */
export const lastSequenceAt = (position: bigint) =>
  formatSequence(position * SLOTS_PER_EVENT + SLOTS_PER_EVENT - 1n);

export const SEQUENCE_PATTERN = /^\d{1,21}$/;

export interface ProjectedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly version: number;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly position: bigint;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * Privacy events go out whatever the consent: downstream systems need them to suppress or
 * forget the customer.
 */
const ALWAYS_PUBLISHED: readonly string[] = [
  'ConsentChanged',
  'PersonalDataErasureRequested',
  'PersonalDataErased',
];

/**
 * Whether marketing may hear about the customer: contactable for at least one marketing purpose
 * under the policy's consent model (opt-in: a granted consent; opt-out: none refused), and not
 * restricted by an erasure request nor erased (projections/privacy.ts).
 */
export const marketingAllowed = (state: CustomerState, policy: Policy): boolean =>
  contactablePurposesOf(state, policy).length > 0;

/**
 * The messages one event produces, derived from the customer's state before and after it, so a
 * rebuild regenerates the same messages with the same ids and sequences. A customer marketing
 * may not reach produces only her privacy events (consent changes, erasure request, erasure).
 * Personal data fields never leave (docs/architecture.md rule 9).
 */
export function outboxMessages(
  customerId: string,
  event: ProjectedEvent,
  before: CustomerState,
  after: CustomerState,
  policy: Policy,
): OutboundMessage[] {
  const allowed = marketingAllowed(after, policy);
  if (!allowed && !ALWAYS_PUBLISHED.includes(event.type)) return [];
  const messages: OutboundMessage[] = [];
  if (!SYSTEM_TOUCHPOINT_TYPES.includes(event.type)) {
    messages.push({
      id: event.eventId,
      topic: TOPICS.touchpoints,
      customerId,
      type: `bank.crm.touchpoint.${event.type}.v${event.version}`,
      time: event.occurredAt,
      sequence: sequenceOf(event.position, Slot.Touchpoint),
      data: {
        customerId,
        eventId: event.eventId,
        touchpointType: event.type,
        schemaVersion: event.version,
        occurredAt: event.occurredAt,
        recordedAt: event.recordedAt,
        // Events in the store passed their schema, so it is known.
        data: withoutPersonalData(event.type, event.version, event.data).data ?? {},
      },
    });
  }
  if (!allowed) return messages;
  if (after.lifecycle.transitionCount > before.lifecycle.transitionCount) {
    const move = after.lifecycle.history[after.lifecycle.history.length - 1];
    messages.push(
      moveMessage(customerId, event, Slot.Stage, move, {
        highestStage: after.lifecycle.highestStage,
      }),
    );
  }
  if (after.valueTier.tier !== before.valueTier.tier && after.valueTier.tier !== null) {
    // Every tier change appends to the (bounded) history, so its last entry is this move.
    const move = after.valueTier.history[after.valueTier.history.length - 1];
    messages.push(moveMessage(customerId, event, Slot.Tier, move, {}));
  }
  return messages;
}

/**
 * The message of a signed audit checkpoint: what it signed and the signature, without the
 * heads (they stay in the store; the root stands for them). Undefined for any other event.
 */
export function checkpointMessage(
  event: ProjectedEvent & { readonly streamId: string },
): OutboundMessage | undefined {
  if (event.streamId !== CHECKPOINT_STREAM) return undefined;
  const checkpoint = checkpointOf({ ...event, revision: 0, metadata: {} });
  if (!checkpoint) return undefined;
  return {
    id: event.eventId,
    topic: TOPICS.auditCheckpoints,
    customerId: CHECKPOINT_STREAM,
    type: 'bank.crm.audit.checkpoint-recorded.v1',
    time: checkpoint.recordedAt,
    sequence: sequenceOf(event.position, Slot.Touchpoint),
    data: { ...payloadOf(checkpoint), signature: checkpoint.signature },
  };
}

const MOVES = {
  [Slot.Stage]: {
    suffix: 'stage',
    topic: TOPICS.lifecycle,
    type: 'bank.crm.customer.stage-changed.v1',
  },
  [Slot.Tier]: {
    suffix: 'tier',
    topic: TOPICS.valueTier,
    type: 'bank.crm.customer.value-tier-changed.v1',
  },
} as const;

/** A stage or tier move, with its cause and the policy version that made it. */
function moveMessage(
  customerId: string,
  event: ProjectedEvent,
  slot: Slot.Stage | Slot.Tier,
  move: StageTransition | TierTransition,
  extra: Readonly<Record<string, unknown>>,
): OutboundMessage {
  const { suffix, topic, type } = MOVES[slot];
  return {
    id: `${event.eventId}:${suffix}`,
    topic,
    customerId,
    type,
    time: move.at,
    sequence: sequenceOf(event.position, slot),
    data: {
      customerId,
      from: move.from,
      to: move.to,
      ...extra,
      at: move.at,
      cause: { eventId: move.eventId, eventType: move.eventType },
      policyVersion: move.policyVersion,
    },
  };
}
