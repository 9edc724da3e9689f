import { ProjectionEvent } from './event';
import { isCustomerInitiated } from './facts';

/**
 * Touchpoint activity: how many touchpoints of each type happened on each (UTC) day, and how
 * many of them the customer initiated. A view built from every customer's stream: marketers
 * read it to see activity move with campaigns, without touching any one customer.
 */
export interface TouchpointActivity {
  /** YYYY-MM-DD, the UTC day the touchpoints happened (`occurredAt`), not when they arrived. */
  readonly day: string;
  readonly type: string;
  readonly touchpoints: number;
  readonly customerInitiated: number;
}

/** The document an event counts in: one per day and type. */
export const activityId = (event: { readonly occurredAt: string; readonly type: string }): string =>
  `${event.occurredAt.slice(0, 10)}:${event.type}`;

/** Counts one more touchpoint into the day's document (created empty when there is none). */
export function countActivity(
  current: TouchpointActivity | undefined,
  event: ProjectionEvent,
): TouchpointActivity {
  const base = current ?? {
    day: event.occurredAt.slice(0, 10),
    type: event.type,
    touchpoints: 0,
    customerInitiated: 0,
  };
  return {
    ...base,
    touchpoints: base.touchpoints + 1,
    customerInitiated: base.customerInitiated + (isCustomerInitiated(event) ? 1 : 0),
  };
}
