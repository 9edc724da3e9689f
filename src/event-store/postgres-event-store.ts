import { migrate, Migration } from '../postgres/migrations';
import { SqlClient, SqlQueryable } from '../postgres/sql-client';
import { assertExpectedRevision, identitiesOf, planAppend } from './append-plan';
import {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  Subscription,
} from './event-store.port';
import { PollingSubscription } from './polling-subscription';

const MIGRATIONS: readonly Migration[] = [
  {
    name: 'event-store-001-events',
    sql: `
      CREATE TABLE es_streams (
        stream_id text PRIMARY KEY,
        revision integer NOT NULL
      );
      CREATE TABLE es_events (
        position bigint PRIMARY KEY,
        stream_id text NOT NULL,
        revision integer NOT NULL,
        event_id uuid NOT NULL,
        type text NOT NULL,
        version integer NOT NULL,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        data jsonb NOT NULL,
        metadata jsonb NOT NULL,
        CONSTRAINT es_events_stream_revision UNIQUE (stream_id, revision),
        CONSTRAINT es_events_stream_event_id UNIQUE (stream_id, event_id)
      )`,
  },
];

/**
 * Global positions encode the appending transaction's id in the high bits and the event's index
 * within that append in the low bits. A reader only reads positions below the oldest
 * transaction still running (the snapshot's xmin), so an append that commits late with a lower
 * transaction id can never be overtaken: everything below xmin is final (DESIGN.md rule 5).
 */
const INDEX_BITS = 20n;
const MAX_EVENTS_PER_APPEND = 1 << Number(INDEX_BITS);
const VISIBLE_BELOW = `(pg_snapshot_xmin(pg_current_snapshot())::text::bigint << ${INDEX_BITS})`;
const NOTIFY_CHANNEL = 'cle_events_appended';

const SELECT_EVENT = `
  SELECT position::text AS position, stream_id, revision, event_id::text AS event_id, type, version,
         to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at,
         to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded_at,
         data, metadata
    FROM es_events`;

interface EventRow {
  position: string;
  stream_id: string;
  revision: number;
  event_id: string;
  type: string;
  version: number;
  occurred_at: string;
  recorded_at: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

const toRecordedEvent = (row: EventRow): RecordedEvent => ({
  eventId: row.event_id,
  type: row.type,
  version: row.version,
  occurredAt: row.occurred_at,
  data: row.data,
  metadata: row.metadata,
  streamId: row.stream_id,
  revision: row.revision,
  position: BigInt(row.position),
  recordedAt: row.recorded_at,
});

/** The event store on PostgreSQL: a server through `pg`, or embedded PGlite, same SQL. */
export class PostgresEventStore implements EventStore {
  private constructor(private readonly sql: SqlClient) {}

  static async create(sql: SqlClient): Promise<PostgresEventStore> {
    await migrate(sql, MIGRATIONS);
    return new PostgresEventStore(sql);
  }

  async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    if (events.length === 0) throw new RangeError('appendToStream needs at least one event');
    if (events.length >= MAX_EVENTS_PER_APPEND) {
      throw new RangeError(`at most ${MAX_EVENTS_PER_APPEND - 1} events per append`);
    }
    return this.sql.transaction((tx) =>
      this.appendInTransaction(tx, streamId, events, expectedRevision),
    );
  }

  private async appendInTransaction(
    tx: SqlQueryable,
    streamId: string,
    events: readonly EventToAppend[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    // Creating the row first (a no-op if it exists) lets FOR UPDATE serialise even the very
    // first appends of a new stream.
    await tx.query(
      'INSERT INTO es_streams (stream_id, revision) VALUES ($1, -1) ON CONFLICT DO NOTHING',
      [streamId],
    );
    const [{ revision: current }] = await tx.query<{ revision: number }>(
      'SELECT revision FROM es_streams WHERE stream_id = $1 FOR UPDATE',
      [streamId],
    );
    // Only ids the stream holds already come back (rare): their content decides duplicate or reused.
    const existing = identitiesOf(
      (
        await tx.query<EventRow>(
          `${SELECT_EVENT} WHERE stream_id = $1 AND event_id = ANY($2::uuid[])`,
          [streamId, events.map((event) => event.eventId.toLowerCase())],
        )
      ).map(toRecordedEvent),
    );
    const plan = planAppend(events, existing, current);
    if (plan.fresh.length === 0) return { outcomes: plan.outcomesAt([]), streamRevision: current };
    assertExpectedRevision(streamId, expectedRevision, current);

    const [{ txid }] = await tx.query<{ txid: string }>(
      'SELECT pg_current_xact_id()::text AS txid',
    );
    const base = BigInt(txid) << INDEX_BITS;
    const positions = plan.fresh.map((_, index) => base + BigInt(index));
    await tx.query(
      `INSERT INTO es_events (position, stream_id, revision, event_id, type, version, occurred_at, data, metadata)
       SELECT p, $1, r, e, t, v, o::timestamptz, d::jsonb, m::jsonb
         FROM unnest($2::bigint[], $3::int[], $4::uuid[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[])
           AS x(p, r, e, t, v, o, d, m)`,
      [
        streamId,
        positions.map(String),
        plan.fresh.map((entry) => entry.revision),
        plan.fresh.map((entry) => entry.event.eventId),
        plan.fresh.map((entry) => entry.event.type),
        plan.fresh.map((entry) => entry.event.version),
        plan.fresh.map((entry) => entry.event.occurredAt),
        plan.fresh.map((entry) => JSON.stringify(entry.event.data)),
        plan.fresh.map((entry) => JSON.stringify(entry.event.metadata)),
      ],
    );
    const streamRevision = current + plan.fresh.length;
    await tx.query('UPDATE es_streams SET revision = $2 WHERE stream_id = $1', [
      streamId,
      streamRevision,
    ]);
    await tx.query(`SELECT pg_notify('${NOTIFY_CHANNEL}', '')`);

    return {
      outcomes: plan.outcomesAt(positions),
      streamRevision,
      lastPosition: positions[positions.length - 1],
    };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const rows = await this.sql.query<EventRow>(
      `${SELECT_EVENT} WHERE stream_id = $1 AND revision >= $2 ORDER BY es_events.revision LIMIT $3`,
      [streamId, options.fromRevision ?? 0, options.maxCount ?? null],
    );
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const rows = await this.sql.query<EventRow>(
      `${SELECT_EVENT} WHERE position > $1 AND position < ${VISIBLE_BELOW} ORDER BY es_events.position LIMIT $2`,
      [String(options.after ?? -1n), options.maxCount ?? null],
    );
    return rows.map(toRecordedEvent);
  }

  async headPosition(): Promise<bigint | undefined> {
    const [row] = await this.sql.query<{ head: string | null }>(
      `SELECT max(position)::text AS head FROM es_events WHERE position < ${VISIBLE_BELOW}`,
    );
    return row.head === null ? undefined : BigInt(row.head);
  }

  async countEvents(after?: bigint): Promise<number> {
    const [row] = await this.sql.query<{ count: string }>(
      `SELECT count(*)::text AS count FROM es_events WHERE position > $1 AND position < ${VISIBLE_BELOW}`,
      [String(after ?? -1n)],
    );
    return Number(row.count);
  }

  subscribeToAll(options: { readonly after?: bigint } = {}): Subscription {
    return new PollingSubscription(
      (after, maxCount) => this.readAll({ after, maxCount }),
      (onAppend) => this.sql.listen(NOTIFY_CHANNEL, onAppend),
      options.after,
    );
  }

  async close(): Promise<void> {
    await this.sql.close();
  }
}
