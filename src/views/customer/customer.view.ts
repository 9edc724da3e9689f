import { upcast } from '../../domain/touchpoints';
import { RecordedEvent } from '../../event-store/event-store.port';
import { PolicyTimeline } from '../../policy-history/policy-timeline';
import {
  CUSTOMER_FIELDS,
  CUSTOMERS,
  CustomerDocument,
  projectCustomerEvents,
  STAGE_TRANSITION_FIELDS,
  STAGE_TRANSITIONS,
} from './customer-read-model';
import { ProjectionDefinition } from '../../projection-engine/projection-definition';
import {
  checkpointMessage,
  OUTBOX,
  OUTBOX_FIELDS,
  outboxMessages,
} from '../../outbox/outbox-messages';
import { DocumentWrite } from '../../read-models/read-model-store.port';
import { groupBy } from '../../shared/group-by';
import { CHECKPOINT_STREAM } from '../../tamper-evidence/checkpoint';

const CUSTOMER_STREAM = /^customer-(.+)$/;

/**
 * Called for each PersonalDataErased event the view projects, before its checkpoint moves past
 * it: shreds the customer's data key (idempotent), so an erasure whose ingest crashed before the
 * shred is finished here, and again by every rebuild.
 */
export type ErasureHook = (customerId: string, event: RecordedEvent) => Promise<void>;

/**
 * The customer 360 (`customers`), its stage moves (`stage_transitions`) and the outbox of
 * messages for marketing systems (`outbox`): one document per customer, versioned by its
 * stream revision, each event projected under the policy in force at its position.
 */
export function customerViewDefinition(
  policies: PolicyTimeline,
  onErasure: ErasureHook = async () => undefined,
): ProjectionDefinition {
  return {
    name: CUSTOMERS,
    collections: [
      { logical: STAGE_TRANSITIONS, indexedFields: STAGE_TRANSITION_FIELDS },
      { logical: OUTBOX, indexedFields: OUTBOX_FIELDS },
      { logical: CUSTOMERS, indexedFields: CUSTOMER_FIELDS },
    ],
    partitioned: true,
    // Signed audit checkpoints go out through this view's outbox too: they take the partition
    // their stream's name falls in.
    keyOf: (event) =>
      CUSTOMER_STREAM.exec(event.streamId)?.[1] ??
      (event.streamId === CHECKPOINT_STREAM ? CHECKPOINT_STREAM : undefined),
    // Activations first: an event after one in this batch is projected under it.
    observe: (batch) => batch.forEach((event) => policies.observe(event)),
    async apply({ events: batch, load }) {
      const outboxWrites: DocumentWrite[] = [];
      // Signed audit checkpoints go out as they are (topic crm.audit-checkpoints.v1).
      for (const event of batch) {
        const message = CUSTOMER_STREAM.test(event.streamId) ? undefined : checkpointMessage(event);
        if (message) outboxWrites.push({ id: message.id, version: 0, body: { ...message } });
      }
      const byCustomer = groupBy(
        batch.filter((event) => CUSTOMER_STREAM.test(event.streamId)),
        (event) => CUSTOMER_STREAM.exec(event.streamId)![1],
      );
      const current = await load(CUSTOMERS, [...byCustomer.keys()]);

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
          stored?.body as unknown as CustomerDocument | undefined,
          fresh.map((recorded) => ({
            revision: recorded.revision,
            event: upcast(recorded),
            recorded,
          })),
          ({ recorded }) => policies.at(recorded.position),
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
      for (const [customerId, events] of byCustomer) {
        for (const event of events)
          if (event.type === 'PersonalDataErased') await onErasure(customerId, event);
      }
      return [
        { collection: STAGE_TRANSITIONS, writes: transitionWrites },
        { collection: OUTBOX, writes: outboxWrites },
        { collection: CUSTOMERS, writes: customerWrites },
      ];
    },
  };
}
