import { randomBytes } from 'node:crypto';
import { SqlClient, SqlQueryable } from '../../src/postgres/sql-client';
import {
  CollectionInUseError,
  CollectionSpec,
  CollectionSpecConflictError,
  DocumentWrite,
  FieldCondition,
  FindQuery,
  ReadModelQueryError,
  ReadModelStore,
  StoredDocument,
  UnindexedFieldError,
  UnknownCollectionError,
  Where,
} from '../../src/read-models/read-model-store.port';

export interface OpenedReadModelStore {
  readonly store: ReadModelStore;
  /** Releases what `open` acquired (the database client); the port itself owns no connection. */
  close(): Promise<void>;
}

const uniqueName = (): string => `t_${randomBytes(6).toString('hex')}`;

const customerSpec = (name: string): CollectionSpec => ({
  name,
  indexedFields: [
    { path: 'stage.current', type: 'string' },
    { path: 'tier', type: 'string' },
    { path: 'churn.score', type: 'number' },
    { path: 'rm.overdue', type: 'boolean' },
    { path: 'lastActivityAt', type: 'string' },
  ],
});

interface Customer {
  readonly id: string;
  readonly stage?: string | null;
  readonly tier?: string | null;
  readonly score?: number | null;
  readonly overdue?: boolean;
  readonly lastActivityAt?: string;
}

/** Shapes a customer 360 the way a projection would, leaving out what the row leaves out. */
function customerDocument(customer: Customer, version = 1): DocumentWrite {
  const body: Record<string, unknown> = {};
  if (customer.stage !== undefined) body.stage = { current: customer.stage, policyVersion: 3 };
  if (customer.tier !== undefined) body.tier = customer.tier;
  if (customer.score !== undefined) body.churn = { score: customer.score, reasons: ['inactivity'] };
  if (customer.overdue !== undefined) body.rm = { overdue: customer.overdue };
  if (customer.lastActivityAt !== undefined) body.lastActivityAt = customer.lastActivityAt;
  return { id: customer.id, version, body };
}

/**
 * Deliberate ties (equal stages, tiers and scores), nulls and absent values, numbers whose text
 * order differs from their numeric order (9 < 10 < 100 but "10" < "100" < "9"), and one
 * timestamp a day earlier at a later hour.
 */
const CUSTOMERS: readonly Customer[] = [
  {
    id: 'c01',
    stage: 'active',
    tier: 'mass',
    score: 9,
    overdue: false,
    lastActivityAt: '2024-03-01T09:00:00.000Z',
  },
  {
    id: 'c02',
    stage: 'active',
    tier: 'affluent',
    score: 10,
    overdue: true,
    lastActivityAt: '2024-03-02T08:00:00.000Z',
  },
  {
    id: 'c03',
    stage: 'at-risk',
    tier: 'mass',
    score: 100,
    overdue: true,
    lastActivityAt: '2024-02-28T23:59:59.999Z',
  },
  {
    id: 'c04',
    stage: 'active',
    tier: 'mass',
    score: 10,
    overdue: false,
    lastActivityAt: '2024-03-01T09:00:00.000Z',
  },
  {
    id: 'c05',
    stage: 'dormant',
    tier: null,
    score: 72.5,
    lastActivityAt: '2023-11-30T12:00:00.000Z',
  },
  { id: 'c06', stage: 'prospect' },
  {
    id: 'c07',
    stage: 'active',
    tier: 'affluent',
    score: -3,
    overdue: false,
    lastActivityAt: '2024-03-03T00:00:00.000Z',
  },
  { id: 'c08', stage: null, tier: 'mass', score: null, overdue: true },
  {
    id: 'c09',
    stage: 'at-risk',
    tier: 'high-net-worth',
    score: 72.5,
    overdue: true,
    lastActivityAt: '2024-01-15T10:30:00.000Z',
  },
  {
    id: 'c10',
    stage: 'active',
    tier: 'mass',
    score: 9,
    overdue: false,
    lastActivityAt: '2024-03-01T09:00:00.000Z',
  },
  { id: 'c11', stage: 'churned', tier: 'emerging-affluent', score: 0.5 },
  {
    id: 'c12',
    stage: 'active',
    tier: 'private',
    score: 10,
    overdue: false,
    lastActivityAt: '2024-02-29T10:00:00.000Z',
  },
];

const ids = (documents: readonly StoredDocument[]): string[] =>
  documents.map((document) => document.id);

/** Every page of a query, following cursors to the end. */
async function allPages(
  store: ReadModelStore,
  collection: string,
  query: Omit<FindQuery, 'after'>,
): Promise<{ pages: number; documents: StoredDocument[] }> {
  const documents: StoredDocument[] = [];
  let pages = 0;
  let after: string | undefined;
  do {
    const page = await store.find(collection, { ...query, after });
    expect(page.documents.length).toBeLessThanOrEqual(query.limit);
    documents.push(...page.documents);
    after = page.nextCursor;
    pages++;
  } while (after !== undefined);
  return { pages, documents };
}

/**
 * The one contract every read-model-store adapter passes. Each test works in collections of
 * its own, so the suite runs against a shared database without depending on it being empty.
 */
export function readModelStoreContract(open: () => Promise<OpenedReadModelStore>): void {
  let opened: OpenedReadModelStore;
  let store: ReadModelStore;
  const created: string[] = [];

  async function aCollection(spec: (name: string) => CollectionSpec = customerSpec) {
    const name = uniqueName();
    await store.ensureCollection(spec(name));
    created.push(name);
    return name;
  }

  async function customers(): Promise<string> {
    const name = await aCollection();
    await store.write(
      name,
      CUSTOMERS.map((customer) => customerDocument(customer)),
    );
    return name;
  }

  beforeAll(async () => {
    opened = await open();
    store = opened.store;
  });
  afterAll(async () => {
    // Leaves only collections a logical name still points at: the port cannot unpoint one.
    for (const name of created) await store.dropCollection(name).catch(() => undefined);
    await opened.close();
  });

  describe('ensureCollection', () => {
    it('is idempotent, whatever the order of the indexed fields, and keeps the documents', async () => {
      const name = await aCollection();
      await store.write(name, [customerDocument(CUSTOMERS[0])]);
      await store.ensureCollection(customerSpec(name));
      await store.ensureCollection({
        name,
        indexedFields: [...customerSpec(name).indexedFields].reverse(),
      });
      expect((await store.get(name, 'c01'))?.body).toEqual(customerDocument(CUSTOMERS[0]).body);
    });

    it('survives many concurrent calls for one new collection', async () => {
      const name = uniqueName();
      created.push(name);
      await Promise.all(
        Array.from({ length: 8 }, () => store.ensureCollection(customerSpec(name))),
      );
      expect(await store.write(name, [customerDocument(CUSTOMERS[0])])).toEqual({
        written: 1,
        ignored: 0,
      });
    });

    it('refuses other indexed fields for an existing collection', async () => {
      const name = await aCollection();
      const changed = {
        name,
        indexedFields: [{ path: 'stage.current', type: 'number' as const }],
      };
      await expect(store.ensureCollection(changed)).rejects.toBeInstanceOf(
        CollectionSpecConflictError,
      );
    });

    it('refuses invalid collection names and field paths', async () => {
      for (const name of ['Customers', '1st', 'a-b', 'a'.repeat(42), '', 'rm.x']) {
        await expect(store.ensureCollection({ name, indexedFields: [] })).rejects.toBeInstanceOf(
          RangeError,
        );
      }
      for (const path of ['a..b', '$where', 'a.$b', 'id', 'a b', '.a', '']) {
        await expect(
          store.ensureCollection({ name: uniqueName(), indexedFields: [{ path, type: 'string' }] }),
        ).rejects.toBeInstanceOf(RangeError);
      }
      await expect(
        store.ensureCollection({
          name: uniqueName(),
          indexedFields: [
            { path: 'tier', type: 'string' },
            { path: 'tier', type: 'number' },
          ],
        }),
      ).rejects.toBeInstanceOf(RangeError);
    });

    it('reports a collection that was never created', async () => {
      const name = uniqueName();
      await expect(store.write(name, [])).rejects.toBeInstanceOf(UnknownCollectionError);
      await expect(store.get(name, 'c01')).rejects.toBeInstanceOf(UnknownCollectionError);
      await expect(store.find(name, { limit: 1 })).rejects.toBeInstanceOf(UnknownCollectionError);
      await expect(store.countBy(name, 'tier')).rejects.toBeInstanceOf(UnknownCollectionError);
    });
  });

  describe('write and get', () => {
    it('returns the body byte for byte: key order, unicode, nesting, big-integer strings', async () => {
      const name = await aCollection();
      const body = {
        zeta: 'last key first',
        alpha: { nested: { deeper: [1, 'two', null, { three: true }] }, empty: {}, list: [] },
        name: 'Zoë Ærøskøbing, 王小明, Ñandú 😀👩‍👩‍👧 \u200b "quoted" back\\slash\nnewline\ttab',
        'emoji key 😀': 'key too',
        balances: { EUR: '-90071992547409931234', USD: '0' },
        decimals: [0.1, -2.5e-7, 1e21, 123456789012],
        tier: 'affluent',
        flags: [true, false],
        nothing: null,
      };
      await store.write(name, [{ id: 'customer-é/1', version: 4, body }]);
      const stored = await store.get(name, 'customer-é/1');
      expect(stored?.id).toBe('customer-é/1');
      expect(stored?.version).toBe(4);
      expect(JSON.stringify(stored?.body)).toBe(JSON.stringify(body));
    });

    it('answers undefined for an unknown id', async () => {
      expect(await store.get(await aCollection(), 'nobody')).toBeUndefined();
    });

    it('shares no objects with the caller', async () => {
      const name = await aCollection();
      const body = { tier: 'mass', nested: { count: 1 } };
      await store.write(name, [{ id: 'c01', version: 1, body }]);
      body.nested.count = 2;
      const read = await store.get(name, 'c01');
      (read?.body.nested as { count: number }).count = 3;
      expect((await store.get(name, 'c01'))?.body).toEqual({ tier: 'mass', nested: { count: 1 } });
    });
  });

  describe('version guard', () => {
    it('writes only a newer version: an older or equal one is ignored and counted', async () => {
      const name = await aCollection();
      const at = (version: number, tier: string): DocumentWrite => ({
        id: 'c01',
        version,
        body: { tier },
      });
      expect(await store.write(name, [at(3, 'mass')])).toEqual({ written: 1, ignored: 0 });
      expect(await store.write(name, [at(2, 'older')])).toEqual({ written: 0, ignored: 1 });
      expect(await store.write(name, [at(3, 'replayed')])).toEqual({ written: 0, ignored: 1 });
      expect(await store.get(name, 'c01')).toEqual({
        id: 'c01',
        version: 3,
        body: { tier: 'mass' },
      });
      expect(await store.write(name, [at(4, 'affluent')])).toEqual({ written: 1, ignored: 0 });
      expect(await store.get(name, 'c01')).toEqual({
        id: 'c01',
        version: 4,
        body: { tier: 'affluent' },
      });
    });

    it('counts a mixed batch per document, version 0 included', async () => {
      const name = await aCollection();
      await store.write(name, [
        { id: 'a', version: 5, body: {} },
        { id: 'b', version: 5, body: {} },
      ]);
      const result = await store.write(name, [
        { id: 'a', version: 6, body: { n: 1 } },
        { id: 'b', version: 1, body: { n: 1 } },
        { id: 'c', version: 0, body: { n: 1 } },
      ]);
      expect(result).toEqual({ written: 2, ignored: 1 });
      expect((await store.get(name, 'b'))?.body).toEqual({});
      expect((await store.get(name, 'c'))?.version).toBe(0);
    });

    it('keeps the highest version of an id repeated in one batch and ignores the others', async () => {
      const name = await aCollection();
      const result = await store.write(name, [
        { id: 'a', version: 7, body: { v: 7 } },
        { id: 'a', version: 9, body: { v: 9 } },
        { id: 'a', version: 8, body: { v: 8 } },
      ]);
      expect(result).toEqual({ written: 1, ignored: 2 });
      expect(await store.get(name, 'a')).toEqual({ id: 'a', version: 9, body: { v: 9 } });
    });

    it('guards documents built from many streams by global position, beyond 2^53 too', async () => {
      const name = await aCollection();
      // PostgreSQL positions put the transaction id in the high bits: past 2^53 early on.
      const position = (xid: bigint, index: bigint) => (xid << 32n) | index;
      const first = position(3_000_000n, 7n);
      const next = first + 1n;
      expect(next > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
      expect(
        await store.write(name, [{ id: 'household-1', version: first, body: { n: 1 } }]),
      ).toEqual({
        written: 1,
        ignored: 0,
      });
      // One position further: a double could not tell them apart, the guard must.
      expect(
        await store.write(name, [{ id: 'household-1', version: next, body: { n: 2 } }]),
      ).toEqual({
        written: 1,
        ignored: 0,
      });
      expect(
        await store.write(name, [{ id: 'household-1', version: first, body: { n: 1 } }]),
      ).toEqual({
        written: 0,
        ignored: 1,
      });
      expect(await store.get(name, 'household-1')).toEqual({
        id: 'household-1',
        version: next,
        body: { n: 2 },
      });
      // A bigint that fits a safe integer reads back as the number it is, and compares with one.
      await store.write(name, [{ id: 'small', version: 5n, body: {} }]);
      expect(await store.write(name, [{ id: 'small', version: 5, body: { n: 1 } }])).toEqual({
        written: 0,
        ignored: 1,
      });
      await store.write(name, [{ id: 'small', version: 6, body: { n: 2 } }]);
      expect(await store.get(name, 'small')).toEqual({ id: 'small', version: 6, body: { n: 2 } });
      const page = await store.find(name, { limit: 10 });
      expect(page.documents.map((document) => document.version)).toEqual([next, 6]);
    });

    it('refuses a bad batch whole, before writing any of it', async () => {
      const name = await aCollection();
      const good = customerDocument(CUSTOMERS[0]);
      const bad: readonly DocumentWrite[] = [
        { id: 'x', version: -1, body: {} },
        { id: 'x', version: 1.5, body: {} },
        { id: 'x', version: Number.MAX_SAFE_INTEGER + 1, body: {} },
        { id: 'x', version: -1n, body: {} },
        { id: 'x', version: 2n ** 63n, body: {} },
        { id: '', version: 1, body: {} },
        { id: 'x', version: 1, body: [] as unknown as Record<string, unknown> },
        { id: 'x', version: 1, body: { churn: { score: '10' } } },
        { id: 'x', version: 1, body: { tier: 7 } },
        { id: 'x', version: 1, body: { rm: { overdue: 'yes' } } },
        { id: 'x', version: 1, body: { stage: { current: { nested: 'object' } } } },
        { id: 'x', version: 1, body: { note: 'nul \u0000 inside' } },
        { id: 'x', version: 1, body: { note: 'lone \ud800 surrogate' } },
        { id: 'x', version: 1, body: { ['key\u0000']: 1 } },
      ];
      for (const write of bad) {
        await expect(store.write(name, [good, write])).rejects.toThrow();
      }
      expect(await store.get(name, good.id)).toBeUndefined();
      expect(await store.find(name, { limit: 10 })).toEqual({ documents: [] });
    });

    it('ends with the highest version when 20 writers race on one id', async () => {
      const name = await aCollection();
      const versions = [14, 3, 19, 0, 7, 11, 20, 5, 1, 16, 9, 2, 18, 6, 13, 4, 17, 10, 8, 12];
      const results = await Promise.all(
        versions.map((version) =>
          store.write(name, [{ id: 'c01', version, body: { version, churn: { score: version } } }]),
        ),
      );
      expect(await store.get(name, 'c01')).toEqual({
        id: 'c01',
        version: 20,
        body: { version: 20, churn: { score: 20 } },
      });
      expect(results.reduce((sum, result) => sum + result.written + result.ignored, 0)).toBe(20);
      expect(results.some((result) => result.written === 1)).toBe(true);
    });

    it('ends with each id at its highest version when 20 overlapping batches race, without deadlock', async () => {
      const name = await aCollection();
      const batchIds = ['a', 'b', 'c', 'd', 'e'];
      await Promise.all(
        Array.from({ length: 20 }, (_, batch) =>
          store.write(
            name,
            // Each batch lists the ids in another order, the classic recipe for a deadlock.
            batchIds.map((_, index) => {
              const id = batchIds[(index * (batch % 2 === 0 ? 1 : -1) + batch + 5) % 5];
              return { id, version: (batch * 7) % 20, body: { batch } };
            }),
            { name, position: BigInt(batch) },
          ),
        ),
      );
      const highest = Math.max(...Array.from({ length: 20 }, (_, batch) => (batch * 7) % 20));
      for (const id of batchIds) expect((await store.get(name, id))?.version).toBe(highest);
      expect(await store.readCheckpoint(name)).toBe(19n);
    });
  });

  describe('checkpoints', () => {
    it('is undefined until set', async () => {
      expect(await store.readCheckpoint(uniqueName())).toBeUndefined();
    });

    it('is set with the writes and read back exactly, even past 2^53', async () => {
      const name = await aCollection();
      const position = 2n ** 62n + 12345n;
      await store.write(name, [customerDocument(CUSTOMERS[0])], { name, position });
      expect(await store.readCheckpoint(name)).toBe(position);
    });

    it('moves with an empty batch, and never backwards', async () => {
      const name = await aCollection();
      await store.write(name, [], { name, position: 10n });
      expect(await store.readCheckpoint(name)).toBe(10n);
      await store.write(name, [], { name, position: 4n });
      expect(await store.readCheckpoint(name)).toBe(10n);
      await store.write(name, [], { name, position: 11n });
      expect(await store.readCheckpoint(name)).toBe(11n);
    });

    it('does not move when the write throws', async () => {
      const name = await aCollection();
      await store.write(name, [customerDocument(CUSTOMERS[0])], { name, position: 5n });
      await expect(
        store.write(
          name,
          [customerDocument(CUSTOMERS[1]), { id: 'bad', version: 1, body: { tier: 1 } }],
          { name, position: 6n },
        ),
      ).rejects.toThrow();
      expect(await store.readCheckpoint(name)).toBe(5n);
      expect(await store.get(name, CUSTOMERS[1].id)).toBeUndefined();
    });

    it('refuses a position outside a signed 64-bit integer, or an empty name', async () => {
      const name = await aCollection();
      for (const position of [-1n, 2n ** 63n]) {
        await expect(store.write(name, [], { name, position })).rejects.toBeInstanceOf(RangeError);
      }
      await expect(store.write(name, [], { name: '', position: 1n })).rejects.toBeInstanceOf(
        TypeError,
      );
      expect(await store.readCheckpoint(name)).toBeUndefined();
    });
  });

  describe('find', () => {
    let name: string;
    beforeAll(async () => {
      name = await customers();
    });
    const find = (query: FindQuery) => store.find(name, query).then((page) => ids(page.documents));

    it('filters by eq on strings, numbers and booleans', async () => {
      expect(await find({ where: { 'stage.current': { eq: 'at-risk' } }, limit: 100 })).toEqual([
        'c03',
        'c09',
      ]);
      expect(await find({ where: { 'churn.score': { eq: 72.5 } }, limit: 100 })).toEqual([
        'c05',
        'c09',
      ]);
      expect(await find({ where: { 'rm.overdue': { eq: true } }, limit: 100 })).toEqual([
        'c02',
        'c03',
        'c08',
        'c09',
      ]);
    });

    it('matches null and absent values with eq null, and in with null', async () => {
      expect(await find({ where: { tier: { eq: null } }, limit: 100 })).toEqual(['c05', 'c06']);
      expect(await find({ where: { 'stage.current': { eq: null } }, limit: 100 })).toEqual(['c08']);
      expect(await find({ where: { tier: { in: ['private', null] } }, limit: 100 })).toEqual([
        'c05',
        'c06',
        'c12',
      ]);
      expect(await find({ where: { tier: { in: [] } }, limit: 100 })).toEqual([]);
    });

    it('compares ISO timestamps as strings with gte, lte, gt and lt', async () => {
      const march = await find({
        where: {
          lastActivityAt: { gte: '2024-03-01T00:00:00.000Z', lt: '2024-03-03T00:00:00.000Z' },
        },
        limit: 100,
      });
      expect(march).toEqual(['c01', 'c02', 'c04', 'c10']);
      expect(
        await find({ where: { lastActivityAt: { lte: '2024-02-28T23:59:59.999Z' } }, limit: 100 }),
      ).toEqual(['c03', 'c05', 'c09']);
      expect(
        await find({ where: { lastActivityAt: { gt: '2024-03-02T08:00:00.000Z' } }, limit: 100 }),
      ).toEqual(['c07']);
    });

    it('compares numbers numerically, never as text, and never matches null with a range', async () => {
      expect(await find({ where: { 'churn.score': { gte: 10 } }, limit: 100 })).toEqual([
        'c02',
        'c03',
        'c04',
        'c05',
        'c09',
        'c12',
      ]);
      expect(await find({ where: { 'churn.score': { lt: 10 } }, limit: 100 })).toEqual([
        'c01',
        'c07',
        'c10',
        'c11',
      ]);
      expect(await find({ where: { 'churn.score': { gt: 0.5, lte: 10 } }, limit: 100 })).toEqual([
        'c01',
        'c02',
        'c04',
        'c10',
        'c12',
      ]);
    });

    it('combines conditions on several fields, and on id', async () => {
      expect(
        await find({
          where: {
            'stage.current': { in: ['active', 'at-risk'] },
            tier: { eq: 'mass' },
            'rm.overdue': { eq: false },
          },
          limit: 100,
        }),
      ).toEqual(['c01', 'c04', 'c10']);
      expect(
        await find({
          where: { id: { in: ['c02', 'c07', 'zz'] }, tier: { eq: 'affluent' } },
          limit: 9,
        }),
      ).toEqual(['c02', 'c07']);
      expect(await find({ where: { id: { gte: 'c11' } }, limit: 9 })).toEqual(['c11', 'c12']);
    });

    it('sorts by id ascending by default', async () => {
      expect(await find({ limit: 100 })).toEqual(CUSTOMERS.map((customer) => customer.id));
    });

    it('sorts ascending and descending, ties broken by id, null first ascending and last descending', async () => {
      const score = (direction: 'asc' | 'desc') =>
        find({ sort: { field: 'churn.score', direction }, limit: 100 });
      const ascending = [
        'c06',
        'c08',
        'c07',
        'c11',
        'c01',
        'c10',
        'c02',
        'c04',
        'c12',
        'c05',
        'c09',
        'c03',
      ];
      expect(await score('asc')).toEqual(ascending);
      expect(await score('desc')).toEqual([...ascending].reverse());
      expect(
        await find({
          where: { 'stage.current': { eq: 'active' } },
          sort: { field: 'lastActivityAt', direction: 'desc' },
          limit: 100,
        }),
      ).toEqual(['c07', 'c02', 'c10', 'c04', 'c01', 'c12']);
      expect(await find({ sort: { field: 'rm.overdue', direction: 'asc' }, limit: 100 })).toEqual([
        'c05',
        'c06',
        'c11',
        'c01',
        'c04',
        'c07',
        'c10',
        'c12',
        'c02',
        'c03',
        'c08',
        'c09',
      ]);
      expect(await find({ sort: { field: 'id', direction: 'desc' }, limit: 3 })).toEqual([
        'c12',
        'c11',
        'c10',
      ]);
    });

    it('orders strings by code point, whatever the database locale', async () => {
      const collection = await aCollection();
      const values = ['z', 'B', '😀', 'a', 'é', '～', 'Z', 'aa', ''];
      await store.write(
        collection,
        values.map((tier, index) => ({ id: `c${index}`, version: 1, body: { tier } })),
      );
      const page = await store.find(collection, {
        sort: { field: 'tier', direction: 'asc' },
        limit: 100,
      });
      expect(page.documents.map((document) => document.body.tier)).toEqual([
        '',
        'B',
        'Z',
        'a',
        'aa',
        'z',
        'é',
        '～',
        '😀',
      ]);
      expect(await store.countBy(collection, 'tier', { tier: { gt: 'Z', lt: '😀' } })).toEqual({
        a: 1,
        aa: 1,
        z: 1,
        é: 1,
        '～': 1,
      });
    });

    it('pages through every sort exactly once, with equal sort values and nulls across page borders', async () => {
      const sorts = ['id', 'stage.current', 'tier', 'churn.score', 'rm.overdue', 'lastActivityAt'];
      for (const field of sorts) {
        for (const direction of ['asc', 'desc'] as const) {
          const whole = await store.find(name, { sort: { field, direction }, limit: 100 });
          expect(whole.nextCursor).toBeUndefined();
          expect(whole.documents).toHaveLength(CUSTOMERS.length);
          for (const limit of [1, 2, 3, 5, 12]) {
            const paged = await allPages(store, name, { sort: { field, direction }, limit });
            expect({ field, direction, limit, ids: ids(paged.documents) }).toEqual({
              field,
              direction,
              limit,
              ids: ids(whole.documents),
            });
            expect(paged.pages).toBe(Math.ceil(CUSTOMERS.length / limit));
          }
        }
      }
    });

    it('pages with a filter, and keeps its place when documents arrive between pages', async () => {
      const collection = await customers();
      const query: FindQuery = {
        where: { 'stage.current': { eq: 'active' } },
        sort: { field: 'churn.score', direction: 'asc' },
        limit: 3,
      };
      const first = await store.find(collection, query);
      expect(ids(first.documents)).toEqual(['c07', 'c01', 'c10']);
      await store.write(collection, [
        customerDocument({ id: 'c00', stage: 'active', score: 1 }),
        customerDocument({ id: 'c99', stage: 'active', score: 9 }),
      ]);
      const rest = await store.find(collection, { ...query, limit: 100, after: first.nextCursor });
      expect(ids(rest.documents)).toEqual(['c99', 'c02', 'c04', 'c12']);
      expect(rest.nextCursor).toBeUndefined();
    });

    it('gives no cursor when the last page is exactly full', async () => {
      const page = await store.find(name, { limit: CUSTOMERS.length });
      expect(page.documents).toHaveLength(CUSTOMERS.length);
      expect(page.nextCursor).toBeUndefined();
    });

    it('refuses a cursor of another sort, a forged cursor, and a bad limit', async () => {
      const { nextCursor } = await store.find(name, {
        sort: { field: 'tier', direction: 'asc' },
        limit: 2,
      });
      const refused = [
        { sort: { field: 'tier', direction: 'desc' as const }, limit: 2, after: nextCursor },
        { sort: { field: 'churn.score', direction: 'asc' as const }, limit: 2, after: nextCursor },
        { limit: 2, after: 'not-a-cursor' },
        {
          sort: { field: 'churn.score', direction: 'asc' as const },
          limit: 2,
          after: Buffer.from('{"f":"churn.score","d":"asc","v":"10","i":"c01"}').toString(
            'base64url',
          ),
        },
        { limit: 0 },
        { limit: 1001 },
        { limit: 1.5 },
        { sort: { field: 'tier', direction: 'up' as 'asc' }, limit: 2 },
      ];
      for (const query of refused) {
        await expect(store.find(name, query)).rejects.toBeInstanceOf(ReadModelQueryError);
      }
    });

    it('refuses unindexed fields in where and sort with UnindexedFieldError', async () => {
      const queries: FindQuery[] = [
        { where: { 'stage.since': { eq: 'x' } }, limit: 1 },
        { where: { stage: { eq: 'active' } }, limit: 1 },
        { sort: { field: 'body', direction: 'asc' }, limit: 1 },
      ];
      for (const query of queries) {
        const error = await store.find(name, query).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(UnindexedFieldError);
        expect(error).toBeInstanceOf(ReadModelQueryError);
        expect(error).toMatchObject({ collection: name });
      }
    });

    it('refuses operands of the wrong type, ranges on booleans, and unknown operators', async () => {
      const refused: Where[] = [
        { 'churn.score': { gte: '10' } },
        { 'churn.score': { eq: Number.NaN } },
        { tier: { eq: 3 } },
        { tier: { in: 'mass' as unknown as string[] } },
        { 'rm.overdue': { lt: 1 } },
        { 'rm.overdue': { eq: 'true' } },
        { id: { eq: 1 } },
        { tier: { ne: 'mass' } as FieldCondition },
        { tier: null as unknown as FieldCondition },
      ];
      for (const where of refused) {
        await expect(store.find(name, { where, limit: 1 })).rejects.toBeInstanceOf(
          ReadModelQueryError,
        );
      }
    });
  });

  describe('countBy', () => {
    let name: string;
    beforeAll(async () => {
      name = await customers();
    });

    it('counts every value of a field, null and absent under "null"', async () => {
      expect(await store.countBy(name, 'stage.current')).toEqual({
        active: 6,
        'at-risk': 2,
        dormant: 1,
        prospect: 1,
        churned: 1,
        null: 1,
      });
      expect(await store.countBy(name, 'churn.score')).toEqual({
        '-3': 1,
        '0.5': 1,
        '9': 2,
        '10': 3,
        '72.5': 2,
        '100': 1,
        null: 2,
      });
      expect(await store.countBy(name, 'rm.overdue')).toEqual({ true: 4, false: 5, null: 3 });
    });

    it('counts what a where selects', async () => {
      expect(
        await store.countBy(name, 'tier', { 'stage.current': { in: ['active', 'at-risk'] } }),
      ).toEqual({ mass: 4, affluent: 2, private: 1, 'high-net-worth': 1 });
      expect(await store.countBy(name, 'tier', { 'churn.score': { gt: 1000 } })).toEqual({});
    });

    it('refuses an unindexed field, and id', async () => {
      await expect(store.countBy(name, 'churn.reasons')).rejects.toBeInstanceOf(
        UnindexedFieldError,
      );
      await expect(store.countBy(name, 'tier', { nope: { eq: 1 } })).rejects.toBeInstanceOf(
        UnindexedFieldError,
      );
      await expect(store.countBy(name, 'id')).rejects.toBeInstanceOf(UnindexedFieldError);
    });
  });

  describe('dropCollection', () => {
    it('deletes the documents and the checkpoint of the same name, and may be repeated', async () => {
      const name = await customers();
      await store.write(name, [], { name, position: 42n });
      await store.dropCollection(name);
      await expect(store.get(name, 'c01')).rejects.toBeInstanceOf(UnknownCollectionError);
      expect(await store.readCheckpoint(name)).toBeUndefined();
      await store.dropCollection(name);
    });

    it("deletes a partitioned projection's checkpoints (<name>#...) with it, and no one else's", async () => {
      const name = await customers();
      const other = `${name}x`;
      for (const checkpoint of [`${name}#0/2`, `${name}#1/2`, other, `${other}#0/2`])
        await store.write(name, [], { name: checkpoint, position: 9n });
      await store.dropCollection(name);
      expect(await store.readCheckpoint(`${name}#0/2`)).toBeUndefined();
      expect(await store.readCheckpoint(`${name}#1/2`)).toBeUndefined();
      expect(await store.readCheckpoint(other)).toBe(9n);
      expect(await store.readCheckpoint(`${other}#0/2`)).toBe(9n);
    });

    it('lets the name be created again, empty and with another spec', async () => {
      const name = await customers();
      await store.dropCollection(name);
      await store.ensureCollection({ name, indexedFields: [{ path: 'tier', type: 'number' }] });
      expect(await store.find(name, { limit: 10 })).toEqual({ documents: [] });
      await store.write(name, [{ id: 'c01', version: 1, body: { tier: 3 } }]);
      expect(await store.countBy(name, 'tier')).toEqual({ 3: 1 });
    });

    it('leaves other collections and checkpoints alone', async () => {
      const kept = await customers();
      await store.write(kept, [], { name: kept, position: 7n });
      await store.dropCollection(await customers());
      expect(await store.readCheckpoint(kept)).toBe(7n);
      expect((await store.find(kept, { limit: 100 })).documents).toHaveLength(CUSTOMERS.length);
    });
  });

  describe('activeCollection', () => {
    it('switches a logical name from one physical collection to another', async () => {
      const logical = uniqueName();
      expect(await store.activeCollection(logical)).toBeUndefined();
      const first = await customers();
      const second = await aCollection();
      await store.setActiveCollection(logical, first);
      expect(await store.activeCollection(logical)).toBe(first);
      await store.setActiveCollection(logical, second);
      expect(await store.activeCollection(logical)).toBe(second);
      await store.dropCollection(first);
      expect(await store.activeCollection(logical)).toBe(second);
    });

    it('refuses a physical collection that does not exist', async () => {
      const logical = uniqueName();
      await expect(store.setActiveCollection(logical, uniqueName())).rejects.toBeInstanceOf(
        UnknownCollectionError,
      );
      expect(await store.activeCollection(logical)).toBeUndefined();
    });

    it('refuses to drop the active collection', async () => {
      const logical = uniqueName();
      const physical = await customers();
      await store.setActiveCollection(logical, physical);
      const error = await store.dropCollection(physical).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CollectionInUseError);
      expect(error).toMatchObject({ collection: physical, logical });
      expect((await store.find(physical, { limit: 100 })).documents).toHaveLength(CUSTOMERS.length);
    });
  });
}

/**
 * PostgreSQL promises more than the port: documents and checkpoint commit together. A client
 * that fails the checkpoint statement proves the documents roll back with it.
 */
export function postgresWriteAtomicityContract(
  openSql: () => Promise<SqlClient>,
  create: (sql: SqlClient) => Promise<ReadModelStore>,
): void {
  it('rolls the documents back when the checkpoint cannot be written', async () => {
    const sql = await openSql();
    try {
      const failing: SqlClient = Object.assign(Object.create(sql) as SqlClient, {
        transaction: <T>(work: (tx: SqlQueryable) => Promise<T>) =>
          sql.transaction((tx) =>
            work({
              query: <R extends object>(text: string, params?: readonly unknown[]) =>
                text.includes('INSERT INTO read_model_checkpoints')
                  ? Promise.reject(new Error('checkpoint write failed'))
                  : tx.query<R>(text, params),
            }),
          ),
      });
      const store = await create(failing);
      const name = uniqueName();
      await store.ensureCollection(customerSpec(name));
      await expect(
        store.write(name, [customerDocument(CUSTOMERS[0])], { name, position: 1n }),
      ).rejects.toThrow('checkpoint write failed');
      expect(await store.get(name, CUSTOMERS[0].id)).toBeUndefined();
      expect(await store.readCheckpoint(name)).toBeUndefined();
      await store.dropCollection(name);
    } finally {
      await sql.close();
    }
  });
}
