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
import { plainPersonalCondition } from '../privacy/plain-personal-data';
import { chainHash, chainHashes, GENESIS_HASH, previousHashOf } from './hash-chain';
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
  {
    // The hash chain (hash-chain.ts): each event's link, and each stream's head link so that
    // an append chains under the stream row lock it takes anyway. NULL = stored before the
    // chain existed; `npm run verify -- --backfill` chains those and records it here.
    name: 'event-store-002-hash-chain',
    sql: `
      ALTER TABLE es_events ADD COLUMN hash bytea;
      ALTER TABLE es_streams ADD COLUMN head_hash bytea;
      CREATE TABLE es_chain_backfills (
        id serial PRIMARY KEY,
        performed_at timestamptz NOT NULL DEFAULT now(),
        up_to_position bigint NOT NULL,
        events bigint NOT NULL,
        streams bigint NOT NULL
      )`,
  },
];

/**
 * Global positions encode the appending transaction's id in the high bits and the event's index
 * within that append in the low bits. A reader only reads positions below the oldest
 * transaction still running (the snapshot's xmin), so an append that commits late with a lower
 * transaction id can never be overtaken: everything below xmin is final (docs/architecture.md rule 5).
 */
const INDEX_BITS = 20n;
const MAX_EVENTS_PER_APPEND = 1 << Number(INDEX_BITS);
const VISIBLE_BELOW = `(pg_snapshot_xmin(pg_current_snapshot())::text::bigint << ${INDEX_BITS})`;
const NOTIFY_CHANNEL = 'cle_events_appended';

const SELECT_EVENT = `
  SELECT position::text AS position, stream_id, revision, event_id::text AS event_id, type, version,
         to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at,
         to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded_at,
         data, metadata, encode(hash, 'hex') AS hash
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
  hash: string | null;
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
  ...(row.hash === null ? {} : { hash: row.hash }),
});

/** A run of `npm run verify -- --backfill`: from then on, the events it chained are protected. */
export interface ChainBackfill {
  readonly id: number;
  readonly performedAt: string;
  /** The last position stored when it ran. */
  readonly upToPosition: string;
  readonly events: number;
  readonly streams: number;
}

export class PlainPersonalDataError extends Error {
  constructor(readonly count: number) {
    super(
      `${count} stored events hold personal fields in plain text: seal them first (npm run privacy -- encrypt-existing), then chain`,
    );
    this.name = 'PlainPersonalDataError';
  }
}

export interface PostgresEventStoreOptions {
  /**
   * False stores new events unchained, as before the chain existed: only for measuring what
   * the chain costs (bench/append-throughput.ts). The service always chains.
   */
  readonly hashChain?: boolean;
}

/** The event store on PostgreSQL: a server through `pg`, or embedded PGlite, same SQL. */
export class PostgresEventStore implements EventStore {
  private constructor(
    private readonly sql: SqlClient,
    private readonly hashChain: boolean,
  ) {}

  static async create(
    sql: SqlClient,
    options: PostgresEventStoreOptions = {},
  ): Promise<PostgresEventStore> {
    await migrate(sql, MIGRATIONS);
    return new PostgresEventStore(sql, options.hashChain ?? true);
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
    const [{ revision: current, head_hash: headHash }] = await tx.query<{
      revision: number;
      head_hash: string | null;
    }>(
      "SELECT revision, encode(head_hash, 'hex') AS head_hash FROM es_streams WHERE stream_id = $1 FOR UPDATE",
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
    // Chained under the stream's row lock: appends to other streams are not held up.
    const previous = this.hashChain ? previousHashOf(current, headHash) : null;
    const hashes =
      previous === null
        ? plan.fresh.map(() => null)
        : chainHashes(
            previous,
            plan.fresh.map(({ event, revision }) => ({ ...event, streamId, revision })),
          );
    await tx.query(
      `INSERT INTO es_events (position, stream_id, revision, event_id, type, version, occurred_at, data, metadata, hash)
       SELECT p, $1, r, e, t, v, o::timestamptz, d::jsonb, m::jsonb, decode(h, 'hex')
         FROM unnest($2::bigint[], $3::int[], $4::uuid[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[])
           AS x(p, r, e, t, v, o, d, m, h)`,
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
        hashes,
      ],
    );
    const streamRevision = current + plan.fresh.length;
    await tx.query(
      "UPDATE es_streams SET revision = $2, head_hash = decode($3, 'hex') WHERE stream_id = $1",
      [streamId, streamRevision, hashes[hashes.length - 1]],
    );
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

  /**
   * Every stored event stream by stream (streams in id order, each in revision order), after
   * `after`: for verifying the hash chains without holding the store in memory. Reads rows as
   * stored, visible or not to readAll, so that nothing inserted can hide from a verification.
   */
  async readByStream(
    after: { readonly streamId: string; readonly revision: number } | undefined,
    maxCount: number,
  ): Promise<RecordedEvent[]> {
    const rows = await this.sql.query<EventRow>(
      after === undefined
        ? `${SELECT_EVENT} ORDER BY stream_id, revision LIMIT $1`
        : `${SELECT_EVENT} WHERE (stream_id, revision) > ($2, $3) ORDER BY stream_id, revision LIMIT $1`,
      after === undefined ? [maxCount] : [maxCount, after.streamId, after.revision],
    );
    return rows.map(toRecordedEvent);
  }

  /** How many stored events are not chained (stored before the chain existed). */
  async countUnchained(): Promise<number> {
    const [row] = await this.sql.query<{ count: string }>(
      'SELECT count(*)::text AS count FROM es_events WHERE hash IS NULL',
    );
    return Number(row.count);
  }

  /**
   * Chains the events stored before the chain existed, stream by stream under the stream's row
   * lock (appends to it wait; others go on), and records the backfill in es_chain_backfills:
   * those links prove the events unaltered since the backfill, not before. Refused while events
   * hold personal fields in plain text: `npm run privacy -- encrypt-existing` must seal them
   * first, or sealing would break their chain.
   */
  async backfillChain(onProgress: (events: number) => void = () => {}): Promise<ChainBackfill> {
    const plain = plainPersonalCondition();
    const [{ count: plainCount }] = await this.sql.query<{ count: string }>(
      `SELECT count(*)::text AS count FROM es_events WHERE ${plain.sql}`,
      plain.params,
    );
    if (Number(plainCount) > 0) throw new PlainPersonalDataError(Number(plainCount));
    const [{ head }] = await this.sql.query<{ head: string | null }>(
      'SELECT max(position)::text AS head FROM es_events',
    );
    let events = 0;
    let streams = 0;
    let after = '';
    for (;;) {
      const page = await this.sql.query<{ stream_id: string }>(
        `SELECT DISTINCT stream_id FROM es_events WHERE hash IS NULL AND stream_id > $1
          ORDER BY stream_id LIMIT 500`,
        [after],
      );
      for (const { stream_id: streamId } of page) {
        events += await this.sql.transaction((tx) => this.backfillStream(tx, streamId));
        streams++;
        onProgress(events);
      }
      if (page.length < 500) break;
      after = page[page.length - 1].stream_id;
    }
    // Nothing was unchained: nothing to record.
    if (events === 0)
      return {
        id: 0,
        performedAt: new Date().toISOString(),
        upToPosition: head ?? '-1',
        events,
        streams,
      };
    const [recorded] = await this.sql.query<{ id: number; performed_at: string }>(
      `INSERT INTO es_chain_backfills (up_to_position, events, streams) VALUES ($1, $2, $3)
       RETURNING id, to_char(performed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS performed_at`,
      [head ?? '-1', events, streams],
    );
    return {
      id: recorded.id,
      performedAt: recorded.performed_at,
      upToPosition: head ?? '-1',
      events,
      streams,
    };
  }

  private async backfillStream(tx: SqlQueryable, streamId: string): Promise<number> {
    await tx.query('SELECT 1 FROM es_streams WHERE stream_id = $1 FOR UPDATE', [streamId]);
    const rows = (
      await tx.query<EventRow>(`${SELECT_EVENT} WHERE stream_id = $1 ORDER BY revision`, [streamId])
    ).map(toRecordedEvent);
    let previous = GENESIS_HASH;
    const revisions: number[] = [];
    const hashes: string[] = [];
    for (const event of rows) {
      if (event.hash === undefined) {
        revisions.push(event.revision);
        hashes.push(chainHash(previous, event));
      }
      previous = event.hash ?? hashes[hashes.length - 1];
    }
    await tx.query(
      `UPDATE es_events SET hash = decode(x.h, 'hex')
         FROM unnest($2::int[], $3::text[]) AS x(r, h)
        WHERE stream_id = $1 AND revision = x.r AND hash IS NULL`,
      [streamId, revisions, hashes],
    );
    await tx.query("UPDATE es_streams SET head_hash = decode($2, 'hex') WHERE stream_id = $1", [
      streamId,
      previous,
    ]);
    return revisions.length;
  }

  /** The backfills run on this store, oldest first. */
  async chainBackfills(): Promise<ChainBackfill[]> {
    const rows = await this.sql.query<{
      id: number;
      performed_at: string;
      up_to_position: string;
      events: string;
      streams: string;
    }>(
      `SELECT id, to_char(performed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS performed_at,
              up_to_position::text AS up_to_position, events::text AS events, streams::text AS streams
         FROM es_chain_backfills ORDER BY id`,
    );
    return rows.map((row) => ({
      id: row.id,
      performedAt: row.performed_at,
      upToPosition: row.up_to_position,
      events: Number(row.events),
      streams: Number(row.streams),
    }));
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
