import { randomInt, randomUUID } from 'node:crypto';
import {
  AccessLog,
  AccessQuery,
  AccessRecord,
  NewAccessRecord,
} from '../../src/access-log/access-log.port';
import { SqlQueryable } from '../../src/postgres/sql-client';

export interface AccessLogUnderTest {
  readonly log: AccessLog;
  /** The adapter's own database connection, for the append-only cases of SQL adapters. */
  readonly sql?: SqlQueryable;
  /** The adapter created again on the same database, as at a restart (persistent adapters). */
  reopen?(): Promise<AccessLog>;
  close(): Promise<void>;
}

export interface AccessLogContractOptions {
  /** The database itself refuses UPDATE, DELETE and TRUNCATE of the log (PostgreSQL adapters). */
  readonly appendOnlyInDatabase?: boolean;
  /** open() answers `reopen` (the adapter keeps its records in a database). */
  readonly reopens?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Every case works in a time window of its own (a random instant within ~35 years of 2030), so
 * the cases share one log without seeing each other's records.
 */
const newWindow = () => {
  const start = Date.UTC(2030, 0, 1) + randomInt(2 ** 40);
  return (offsetMs: number) => new Date(start + offsetMs).toISOString();
};

const entry = (at: string, fields: Partial<NewAccessRecord> = {}): NewAccessRecord => ({
  at,
  keyName: 'ops-console',
  role: 'auditor',
  route: 'GET /v1/customers/:customerId/events',
  action: 'read-personal-data',
  customerId: `c-${randomUUID()}`,
  purpose: 'CASE-4711',
  outcome: 'done',
  status: 200,
  details: { events: 120 },
  ...fields,
});

/** The whole of a query's answer, page by page: the records and each page's size. */
async function listAll(log: AccessLog, query: AccessQuery) {
  const records: AccessRecord[] = [];
  const sizes: number[] = [];
  let after: string | undefined;
  do {
    const page = await log.list({ ...query, after });
    records.push(...page.records);
    sizes.push(page.records.length);
    after = page.nextCursor;
    if (sizes.length > 100) throw new Error('paging does not end');
  } while (after !== undefined);
  return { records, sizes };
}

const byAtThenId = (a: AccessRecord, b: AccessRecord) =>
  a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** The one contract every AccessLog adapter passes against its real backend. */
export function accessLogContract(
  open: () => Promise<AccessLogUnderTest>,
  options: AccessLogContractOptions = {},
): void {
  let subject: AccessLogUnderTest;
  let log: AccessLog;
  let at: (offsetMs: number) => string;
  let customer: string;

  beforeAll(async () => {
    subject = await open();
    log = subject.log;
  });
  afterAll(() => subject?.close());
  beforeEach(() => {
    at = newWindow();
    customer = `c-${randomUUID()}`;
  });

  it('given a new entry, when recorded, then it is answered with a new id and the same fields', async () => {
    const given = entry(at(0), { customerId: customer });
    const recorded = await log.record(given);
    expect(recorded.id).toMatch(UUID);
    expect(recorded).toEqual({ ...given, id: recorded.id });
    const other = await log.record(given);
    expect(other.id).not.toBe(recorded.id);
    // The same instant: ordered by id.
    expect((await log.list({ customerId: customer, limit: 10 })).records).toEqual(
      [recorded, other].sort(byAtThenId),
    );
  });

  it("given several customers' records, when listed for one, then only that customer's are answered", async () => {
    const mine = await log.record(entry(at(1), { customerId: customer }));
    await log.record(entry(at(0)));
    await log.record(entry(at(1), { customerId: null, purpose: null }));
    const alsoMine = await log.record(entry(at(2), { customerId: customer, action: 'erasure' }));
    expect(await log.list({ customerId: customer, limit: 10 })).toEqual({
      records: [mine, alsoMine],
    });
    // Without a customer, every record of the window.
    const window = await log.list({ from: at(0), to: at(3), limit: 10 });
    expect(window.records).toHaveLength(4);
    expect(await log.list({ customerId: `c-${randomUUID()}`, limit: 10 })).toEqual({
      records: [],
    });
  });

  it('given records over time, when listed from/to, then from is inclusive and to is exclusive', async () => {
    const recorded: AccessRecord[] = [];
    for (const offset of [0, 1000, 2000, 3000])
      recorded.push(await log.record(entry(at(offset), { customerId: customer })));
    const list = (bounds: Pick<AccessQuery, 'from' | 'to'>) =>
      log.list({ customerId: customer, limit: 10, ...bounds }).then((page) => page.records);
    expect(await list({ from: at(1000), to: at(3000) })).toEqual(recorded.slice(1, 3));
    expect(await list({ from: at(1000) })).toEqual(recorded.slice(1));
    expect(await list({ to: at(3000) })).toEqual(recorded.slice(0, 3));
    expect(await list({ from: at(999), to: at(1001) })).toEqual([recorded[1]]);
    expect(await list({ from: at(3001) })).toEqual([]);
    expect(await list({ from: at(2000), to: at(2000) })).toEqual([]);
  });

  it('given records sharing instants, when paged, then every record comes once, in (at, id) order', async () => {
    // Three at one instant, two at the next, one each at two more: page edges fall inside ties.
    const offsets = [5, 5, 5, 7, 7, 9, 11];
    const recorded = await Promise.all(
      offsets.map((offset) => log.record(entry(at(offset), { customerId: customer }))),
    );
    const expected = [...recorded].sort(byAtThenId);
    for (const limit of [1, 2, 3]) {
      const { records, sizes } = await listAll(log, { customerId: customer, limit });
      expect(records).toEqual(expected);
      // Full pages, then the rest: no empty last page, so no cursor after the last record.
      const full = Math.floor(offsets.length / limit);
      const rest = offsets.length % limit;
      expect(sizes).toEqual([...Array<number>(full).fill(limit), ...(rest > 0 ? [rest] : [])]);
    }
    // By window rather than customer, and with the bounds applied to every page.
    const windowed = await listAll(log, { from: at(5), to: at(11), limit: 2 });
    expect(windowed.records).toEqual(expected.slice(0, 6));
    expect(windowed.sizes).toEqual([2, 2, 2]);
  });

  it('given exactly a page of records, when listed, then no next cursor is answered', async () => {
    for (const offset of [0, 0, 1]) await log.record(entry(at(offset), { customerId: customer }));
    const page = await log.list({ customerId: customer, limit: 3 });
    expect(page.records).toHaveLength(3);
    expect(page.nextCursor).toBeUndefined();
    const first = await log.list({ customerId: customer, limit: 2 });
    expect(first.nextCursor).toEqual(expect.any(String));
    const last = await log.list({ customerId: customer, limit: 2, after: first.nextCursor });
    expect(last).toEqual({ records: [page.records[2]] });
  });

  it('given a cursor the log did not issue, when listed, then it throws "invalid cursor"', async () => {
    const encoded = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const after of [
      'not a cursor',
      '',
      encoded({ at: at(0) }),
      encoded([1, 2]),
      encoded([at(0)]),
    ])
      await expect(log.list({ limit: 10, after })).rejects.toThrow(/^invalid cursor/);
  });

  it('given details and missing customer and purpose, when recorded, then they round-trip exactly', async () => {
    const details = {
      events: 120,
      ratio: 0.25,
      negative: -3,
      big: 2 ** 40,
      dryRun: true,
      off: false,
      job: 'j-1',
    };
    const recorded = await log.record(
      entry(at(0), { customerId: null, purpose: null, details, action: 'rebuild', status: 202 }),
    );
    const empty = await log.record(entry(at(1), { customerId: customer, details: {}, status: 0 }));
    const { records } = await log.list({ from: at(0), to: at(2), limit: 10 });
    expect(records).toEqual([recorded, empty]);
    expect(records[0]).toMatchObject({ customerId: null, purpose: null, details });
    expect(records[1].details).toEqual({});
  });

  it('given 50 records made at once, then every one is kept', async () => {
    const recorded = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        log.record(entry(at(i % 5), { customerId: customer, details: { i } })),
      ),
    );
    expect(new Set(recorded.map((record) => record.id)).size).toBe(50);
    const { records } = await listAll(log, { customerId: customer, limit: 20 });
    expect(records).toEqual([...recorded].sort(byAtThenId));
  });

  it('refuses an entry whose at is not a canonical ISO instant, and a page size below 1', async () => {
    for (const bad of ['2030-01-01T10:00:00Z', '2030-01-01T10:00:00.000+01:00', 'yesterday'])
      await expect(log.record(entry(bad, { customerId: customer }))).rejects.toThrow(/at/);
    expect((await log.list({ customerId: customer, limit: 10 })).records).toEqual([]);
    await expect(log.list({ limit: 0 })).rejects.toThrow(/limit/);
  });

  if (options.reopens) {
    it('given records, when the adapter is created again on its database, then it keeps them', async () => {
      if (!subject.reopen) throw new Error('open() must answer reopen');
      const recorded = await log.record(entry(at(0), { customerId: customer }));
      const again = await subject.reopen();
      const later = await again.record(entry(at(1), { customerId: customer }));
      expect(await again.list({ customerId: customer, limit: 10 })).toEqual({
        records: [recorded, later],
      });
    });
  }

  if (!options.appendOnlyInDatabase) return;

  describe('append-only in the database', () => {
    const sql = () => {
      if (!subject.sql) throw new Error('open() must answer the adapter’s sql connection');
      return subject.sql;
    };

    it('given a record, when updated or deleted through SQL, then the database refuses', async () => {
      const recorded = await log.record(entry(at(0), { customerId: customer }));
      await expect(
        sql().query(`UPDATE audit_access_log SET outcome = 'failed' WHERE id = $1`, [recorded.id]),
      ).rejects.toThrow(/append-only/);
      await expect(
        sql().query('DELETE FROM audit_access_log WHERE id = $1', [recorded.id]),
      ).rejects.toThrow(/append-only/);
      // Refused even when no row matches, and for the whole table.
      await expect(sql().query('DELETE FROM audit_access_log WHERE false')).rejects.toThrow(
        /append-only/,
      );
      await expect(sql().query('DELETE FROM audit_access_log')).rejects.toThrow(/append-only/);
      await expect(sql().query('TRUNCATE audit_access_log')).rejects.toThrow(/append-only/);
      expect(await log.list({ customerId: customer, limit: 10 })).toEqual({ records: [recorded] });
    });
  });
}
