import { activityId, countActivity, TouchpointActivity } from '../../../projections';
import { SYSTEM_TOUCHPOINT_TYPES, upcast } from '../../domain/touchpoints';
import { ProjectionDefinition } from '../../projection-engine/projection-definition';
import { DocumentWrite } from '../../read-models/read-model-store.port';
import { groupBy } from '../../shared/group-by';

export const TOUCHPOINT_ACTIVITY = 'touchpoint_activity';

export const ACTIVITY_FIELDS = [
  { path: 'day', type: 'string' },
  { path: 'type', type: 'string' },
] as const;

const CUSTOMER_STREAM = /^customer-/;

/**
 * Touchpoints per day and type, across every customer (projections/touchpoint-activity.ts).
 * Built from many streams, so a document's version is the global position of the last event
 * counted into it; partitioned by the document's own id, so one partition writes each.
 */
export function touchpointActivityDefinition(): ProjectionDefinition {
  return {
    name: TOUCHPOINT_ACTIVITY,
    collections: [{ logical: TOUCHPOINT_ACTIVITY, indexedFields: ACTIVITY_FIELDS }],
    partitioned: true,
    // Touchpoints only: not the scheduler's threshold events nor legal holds.
    keyOf: (event) =>
      CUSTOMER_STREAM.test(event.streamId) && !SYSTEM_TOUCHPOINT_TYPES.includes(event.type)
        ? activityId(event)
        : undefined,
    async apply({ events, load }) {
      const byId = groupBy(events, activityId);
      const stored = await load(TOUCHPOINT_ACTIVITY, [...byId.keys()]);
      const writes: DocumentWrite[] = [];
      for (const [id, counted] of byId) {
        const current = stored.get(id);
        // A replay after a crash: the document already counts events up to its version.
        const fresh = counted.filter(
          (event) => current === undefined || event.position > current.version,
        );
        if (fresh.length === 0) continue;
        const activity = fresh.reduce(
          (document, event) => countActivity(document, upcast(event)),
          current?.body as TouchpointActivity | undefined,
        );
        writes.push({ id, version: fresh[fresh.length - 1].position, body: { ...activity } });
      }
      return [{ collection: TOUCHPOINT_ACTIVITY, writes }];
    },
  };
}
