import { randomUUID } from 'node:crypto';
import { AccessPage, AccessRecord, NewAccessRecord } from './access-log.port';

/**
 * What every AccessLog adapter shares: the new record (its id, and the check that keeps `at`
 * sortable as text), the opaque page cursor, and the page cut from one row more than asked.
 */

/** A position in the log's (`at`, `id`) order: the last record of a page. */
export interface AccessPosition {
  readonly at: string;
  readonly id: string;
}

/**
 * The record to store: `entry`'s fields (and no others) with a new id. `at` must be the
 * canonical ISO form (`toISOString()`), the one form in which text order is time order.
 */
export function newAccessRecord(entry: NewAccessRecord): AccessRecord {
  if (!isCanonicalInstant(entry.at))
    throw new Error(`invalid access record: at must be an ISO instant like ${ISO_EXAMPLE}`);
  return {
    id: randomUUID(),
    at: entry.at,
    keyName: entry.keyName,
    role: entry.role,
    route: entry.route,
    action: entry.action,
    customerId: entry.customerId,
    purpose: entry.purpose,
    outcome: entry.outcome,
    status: entry.status,
    details: { ...entry.details },
  };
}

const ISO_EXAMPLE = '2026-01-31T09:30:00.000Z';

function isCanonicalInstant(at: string): boolean {
  const time = Date.parse(at);
  return Number.isFinite(time) && new Date(time).toISOString() === at;
}

/** Base64url of the JSON `[at, id]`: opaque to callers, checked when it comes back. */
export function encodeCursor({ at, id }: AccessPosition): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

/** The position a cursor stands for; an Error starting `invalid cursor` for any other string. */
export function decodeCursor(cursor: string): AccessPosition {
  let content: unknown;
  try {
    content = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    // Reported below like any other string this log did not issue.
  }
  if (
    !Array.isArray(content) ||
    content.length !== 2 ||
    typeof content[0] !== 'string' ||
    typeof content[1] !== 'string'
  ) {
    throw new Error('invalid cursor: not a cursor of the access log');
  }
  return { at: content[0], id: content[1] };
}

/** A page size is a positive integer (a bad one is the caller's bug, not the client's). */
export function assertLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`invalid limit ${limit}: must be a positive integer`);
}

/**
 * The page from the first `limit + 1` records after the cursor, in order: the extra one only
 * tells that more exist, so `nextCursor` is set exactly when another page has records.
 */
export function pageOf(fetched: readonly AccessRecord[], limit: number): AccessPage {
  if (fetched.length <= limit) return { records: [...fetched] };
  const records = fetched.slice(0, limit);
  return { records, nextCursor: encodeCursor(records[records.length - 1]) };
}

/** The (`at`, `id`) order, comparing UTF-16 code units like PostgreSQL's "C" collation does on ASCII. */
export function compareRecords(a: AccessPosition, b: AccessPosition): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
