/**
 * The access log (docs/architecture.md rule 9, README "Access audit"): one record for every answer that
 * reveals personal data and every privileged action. Append-only; records hold no personal data
 * themselves (ids, names of API keys, routes, a purpose that is a case reference, counts).
 */

/** What was done. */
export const ACCESS_ACTIONS = [
  'read-personal-data',
  'rebuild',
  'erasure-request',
  'erasure',
  'legal-hold',
  'rotate-master',
  'encrypt-existing',
  'hash-chain-backfill',
  'policy-activation',
  'what-if',
] as const;
export type AccessAction = (typeof ACCESS_ACTIONS)[number];

/** How it ended: done; refused (4xx: missing purpose, bad input); failed (5xx). */
export const ACCESS_OUTCOMES = ['done', 'refused', 'failed'] as const;
export type AccessOutcome = (typeof ACCESS_OUTCOMES)[number];

export interface NewAccessRecord {
  /** ISO 8601 instant with milliseconds, UTC. */
  readonly at: string;
  /** The API key's configured name; `anonymous` when API keys are off; `kafka` for Kafka ingest. */
  readonly keyName: string;
  /** The role the route required. */
  readonly role: string;
  /** Method and route template, e.g. `GET /v1/customers/:customerId/events`. */
  readonly route: string;
  readonly action: AccessAction;
  readonly customerId: string | null;
  /** The `X-Purpose` header (a case or ticket reference), when given. */
  readonly purpose: string | null;
  readonly outcome: AccessOutcome;
  /** HTTP status answered (202 for a job started, 0 outside HTTP). */
  readonly status: number;
  /** Counts and ids (never personal values), e.g. `{ events: 120 }` for a job. */
  readonly details: Readonly<Record<string, string | number | boolean>>;
}

export interface AccessRecord extends NewAccessRecord {
  /** Unique; with `at` it orders the log. */
  readonly id: string;
}

export interface AccessQuery {
  readonly customerId?: string;
  /** Inclusive lower bound on `at`. */
  readonly from?: string;
  /** Exclusive upper bound on `at`. */
  readonly to?: string;
  /** Cursor from the previous page's `nextCursor`. */
  readonly after?: string;
  readonly limit: number;
}

export interface AccessPage {
  /** Oldest first, by (`at`, `id`). */
  readonly records: AccessRecord[];
  readonly nextCursor?: string;
}

export interface AccessLog {
  /** Appends one record durably (resolves once stored) and answers it with its id. */
  record(entry: NewAccessRecord): Promise<AccessRecord>;
  list(query: AccessQuery): Promise<AccessPage>;
}

export const ACCESS_LOG = Symbol('AccessLog');
