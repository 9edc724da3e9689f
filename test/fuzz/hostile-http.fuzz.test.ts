import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { EVENT_STORE, EventStore, customerStreamId } from '../../src/event-store/event-store.port';
import { PersonalDataVault } from '../../src/privacy/personal-data-vault';
import { unstorableValues } from '../../src/http/json-hygiene';
import { simulateTouchpoints, SimulatedTouchpoint } from '../../src/simulator';
import { RunningApp, startApp } from '../support/app';

/**
 * Property-based fuzzing of the HTTP API with hostile input derived from the catalog's own
 * touchpoints (the simulator emits every type and version): wrong types, boundary numbers, huge
 * and deep values, unicode edge cases, prototype keys, mixed valid and invalid batches, hostile
 * query strings. Asserted for every request: no 5xx; every refused item changed nothing; every
 * accepted item is stored exactly as sent. FUZZ_RUNS scales it, FUZZ_SEED replays a run (CI's count is in bench/RESULTS.md).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
/** FUZZ_SEED replays a failure fast-check reported (it prints the seed). */
const SETTINGS = {
  ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
};
const counted = { items: 0, queries: 0, fiveHundreds: 0, storedWrongly: 0 };

const samples: SimulatedTouchpoint[] = [];
for (const touchpoint of simulateTouchpoints({ customers: 60, seed: 11 })) {
  samples.push(touchpoint);
  if (samples.length >= 3000) break;
}
const creators = samples.filter(
  (t) => t.type === 'ProspectCaptured' || t.type === 'CustomerImported',
);

const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    'x\u0000y',
    '\ud800',
    'a\udc00b',
    '\u202eevil',
    '🏦💸',
    'Ｌｉ　Ｗｅｉ',
    '9'.repeat(400),
    '-0',
    '1e309',
    '2026-02-30T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999999999Z',
    'NaN',
    '__proto__',
    '../../etc/passwd',
    "'; DROP TABLE es_events; --",
  ),
  fc.constant('x'.repeat(70_000)),
);
const hostileNumber = fc.oneof(
  fc.constantFrom(0, -1, 1.5, 2 ** 31, 2 ** 53, -(2 ** 53) - 2, 1e308, -1e-308, Number.MAX_VALUE),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);
const deepValue = fc.integer({ min: 1, max: 80 }).map((depth) => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
});
const prototypeObject = fc
  .constantFrom('__proto__', 'constructor', 'prototype')
  .map((key) => JSON.parse(`{"${key}": {"polluted": true}}`) as unknown);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 5 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 4 }),
  deepValue,
  prototypeObject,
);

type Item = Record<string, unknown>;

const equal = (a: unknown, b: unknown): boolean => {
  try {
    expect(a).toEqual(b);
    return true;
  } catch {
    return false;
  }
};

/** One way of spoiling a touchpoint (or not: some items stay valid). */
const mutation: fc.Arbitrary<(item: Item) => void> = fc.oneof(
  fc.constant(() => undefined),
  fc
    .tuple(
      fc.constantFrom('eventId', 'customerId', 'type', 'version', 'occurredAt', 'data', 'metadata'),
      hostileValue,
    )
    .map(
      ([field, value]) =>
        (item: Item) =>
          void (item[field] = value),
    ),
  fc.tuple(fc.nat(), hostileValue).map(([index, value]) => (item: Item) => {
    const data = { ...(item.data as Item) };
    const keys = Object.keys(data);
    if (keys.length > 0) data[keys[index % keys.length]] = value;
    item.data = data;
  }),
  fc.tuple(hostileString, hostileValue).map(([key, value]) => (item: Item) => {
    item.data = { ...(item.data as Item), [key]: value };
  }),
  fc
    .constantFrom('eventId', 'customerId', 'type', 'occurredAt', 'data')
    .map((field) => (item: Item) => void delete item[field]),
  fc.constant((item: Item) => void (item.eventId = String(item.eventId).toUpperCase())),
);

/** A batch: customers new to the store, each opened by a creator, then touchpoints, some spoiled. */
const batch = fc
  .array(
    fc.tuple(
      fc.nat(creators.length - 1),
      fc.array(fc.tuple(fc.nat(samples.length - 1), mutation), { maxLength: 8 }),
      mutation,
    ),
    { minLength: 1, maxLength: 40, size: 'max' },
  )
  .map((customers) =>
    customers.flatMap(([creator, rest, spoilCreator]) => {
      const customerId = `fz-${randomUUID()}`;
      const items = [creators[creator], ...rest.map(([index]) => samples[index])].map(
        (sample): Item => ({ ...structuredClone(sample), eventId: randomUUID(), customerId }),
      );
      spoilCreator(items[0]);
      rest.forEach(([, spoil], index) => spoil(items[index + 1]));
      return items;
    }),
  );

describe('hostile HTTP input (fuzz)', () => {
  let running: RunningApp;
  let store: EventStore;
  let vault: PersonalDataVault;
  beforeAll(async () => {
    // No fsync: this suite is about answers and contents, not durability.
    running = await startApp({ EMBEDDED_FSYNC: 'false', INGEST_MAX_BODY_BYTES: '8388608' });
    store = running.app.get<EventStore>(EVENT_STORE);
    vault = running.app.get(PersonalDataVault);
  });
  afterAll(async () => {
    await running?.close();
    process.stderr.write(
      `fuzz: ${counted.items} hostile touchpoints and ${counted.queries} hostile queries tried, ` +
        `${counted.fiveHundreds} answered 5xx, ${counted.storedWrongly} stored wrongly\n`,
    );
  });

  /** A customer id the store can look up (a hostile one cannot have been stored at all). */
  const storable = (customerId: unknown): customerId is string =>
    typeof customerId === 'string' &&
    customerId.length < 200 &&
    unstorableValues(customerId).length === 0;
  const streamOf = async (customerId: unknown) =>
    storable(customerId) ? store.readStream(customerStreamId(customerId)) : [];
  const streamLength = async (customerId: unknown) => (await streamOf(customerId)).length;

  it('never answers 5xx to a batch; refused items change nothing; accepted ones are stored as sent', async () => {
    await fc.assert(
      fc.asyncProperty(batch, fc.boolean(), async (items, single) => {
        const sent = single ? items.slice(0, 1) : items;
        const customers = [...new Set(sent.map((item) => item.customerId))];
        const before = new Map(
          await Promise.all(customers.map(async (c) => [c, await streamLength(c)] as const)),
        );
        counted.items += sent.length;
        const response = await running
          .http()
          .post('/v1/touchpoints')
          .send(single ? sent[0] : { touchpoints: sent });
        if (response.status >= 500) counted.fiveHundreds++;
        expect(response.status).toBeLessThan(500);
        const results: { status: string; eventId?: string }[] = single
          ? [response.body]
          : (response.body.results ?? []);
        if (response.status >= 400 && !single) {
          // The whole batch refused: nothing of it stored.
          for (const customer of customers)
            expect(await streamLength(customer)).toBe(before.get(customer));
          return;
        }
        for (const customer of customers) {
          const appended = sent.filter(
            (item, index) => item.customerId === customer && results[index]?.status === 'appended',
          );
          const stored = await streamOf(customer);
          // Personal fields are sealed in the store: compared as the audit read opens them.
          const opened = storable(customer) ? await vault.reveal(customer, stored) : [];
          const ok = stored.length - before.get(customer)! === appended.length;
          for (const item of appended) {
            const index = stored.findIndex((e) => e.eventId === String(item.eventId).toLowerCase());
            const event = index < 0 ? undefined : { ...stored[index], data: opened[index] };
            // What was sent is the JSON text: -0 travels as 0.
            const sentData = JSON.parse(JSON.stringify(item.data)) as unknown;
            const same =
              event !== undefined && event.type === item.type && equal(event.data, sentData);
            if (!same) counted.storedWrongly++;
            expect(event?.data).toEqual(sentData);
            expect(event?.type).toBe(item.type);
          }
          if (!ok) counted.storedWrongly++;
          expect(ok).toBe(true);
        }
      }),
      { ...SETTINGS, numRuns: RUNS },
    );
  }, 900_000);

  const queryParam = fc.tuple(
    fc.constantFrom(
      'limit',
      'cursor',
      'stage',
      'tier',
      'branch',
      'rm',
      'churnMin',
      'churnMax',
      'consent',
      'coverage',
      'sort',
      'minPosition',
      'after',
      'asOf',
      'asOfPosition',
      'from',
      'to',
      'fromRevision',
      'x',
    ),
    fc.oneof(
      hostileString.filter((s) => s.length < 2000),
      hostileNumber.map(String),
    ),
  );
  const path = fc.constantFrom(
    '/v1/customers',
    '/v1/customers/c-1',
    '/v1/customers/c-1/events',
    '/v1/customers/c-1/replay',
    '/v1/stats/funnel',
    '/v1/stats/tiers',
    '/v1/stats/coverage',
    '/v1/stats/transitions',
    '/v1/feed',
    '/v1/admin/projections',
  );

  it('never answers 5xx to a hostile query string', async () => {
    await fc.assert(
      fc.asyncProperty(path, fc.array(queryParam, { maxLength: 4 }), async (route, params) => {
        counted.queries++;
        const query = new URLSearchParams(params).toString();
        const response = await running
          .http()
          .get(`${route}${query ? `?${query}` : ''}`)
          .set('X-Purpose', 'FUZZ-1');
        if (response.status >= 500) counted.fiveHundreds++;
        expect({ route, query, status: response.status }).toMatchObject({
          status: expect.any(Number),
        });
        expect(response.status).toBeLessThan(500);
      }),
      { ...SETTINGS, numRuns: RUNS * 4 },
    );
  }, 900_000);
});
