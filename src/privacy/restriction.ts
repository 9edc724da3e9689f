import { personalFieldsOf } from '../domain/touchpoints';

/**
 * While an erasure request waits for the anti-money-laundering window, only the fields the
 * policy names as AML evidence stay readable (to `audit`, with a purpose, every read recorded);
 * every other personal field reads `{restricted: true, restrictedBy: <request eventId>}`. They
 * stay stored under the customer's one data key until the window ends and the key is shredded
 * (README, "Personal data").
 */
export function restrictToEvidence(
  event: { readonly type: string; readonly version: number },
  data: Readonly<Record<string, unknown>>,
  evidenceFields: readonly string[],
  requestEventId: string,
): Record<string, unknown> {
  return maskPersonalFields(event, data, evidenceFields, {
    restricted: true,
    restrictedBy: requestEventId,
  });
}

/** Every personal field but those kept shows `marker` (an erased or unreadable one stays). */
export function maskPersonalFields(
  event: { readonly type: string; readonly version: number },
  data: Readonly<Record<string, unknown>>,
  keep: readonly string[],
  marker: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const restricted = { ...data };
  for (const field of personalFieldsOf(event.type, event.version)) {
    if (!(field in restricted) || keep.includes(field)) continue;
    const value = restricted[field];
    // Already erased or unreadable: that marker says more.
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'erased' in value)
      continue;
    restricted[field] = { ...marker };
  }
  return restricted;
}
