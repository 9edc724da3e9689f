import { randomUUID } from 'node:crypto';
import retailBankV1 from '../../policy/retail-bank.v1.json';
import { parsePolicy } from '../../projections';
import { RETAIL_BANK_POLICY_V1 } from '../domain/retail-bank-policy';
import { customerStreamId, EventToAppend } from '../event-store/event-store.port';
import { InMemoryEventStore } from '../event-store/in-memory-event-store';
import { CustomerDirectory } from './customer-directory';
import { WhatIfJob } from './what-if-job';

/** The bundled policy with the affluent band raised from 500,000.00 to 1,000,000.00 CNY. */
const CANDIDATE = parsePolicy({
  ...retailBankV1,
  policyVersion: 'retail-bank.v2-candidate',
  valueTier: {
    ...retailBankV1.valueTier,
    bands: retailBankV1.valueTier.bands.map((band) =>
      band.tier === 'affluent' ? { ...band, minAumMinor: '100000000' } : band,
    ),
  },
});

const event = (type: string, occurredAt: string, data: Record<string, unknown>): EventToAppend => ({
  eventId: randomUUID(),
  type,
  version: 1,
  occurredAt,
  data,
  metadata: {},
});

const funded = (balanceMinor: string) => [
  event('ProspectCaptured', '2025-01-05T09:00:00Z', { source: 'web-form', channel: 'web' }),
  event('ProductOpened', '2025-01-06T10:00:00Z', {
    accountId: 'CUR-1',
    productType: 'current',
    productCode: 'CURRENT-STD',
    currency: 'CNY',
    channel: 'web',
  }),
  event('BalanceReported', '2025-01-07T00:00:00Z', {
    accountId: 'CUR-1',
    balanceMinor,
    currency: 'CNY',
  }),
];

/** Lists the given ids; `onListsUpTo` runs when the job asks, after it has read the head. */
function directory(ids: string[], onListsUpTo?: () => Promise<unknown>): CustomerDirectory {
  return {
    listsUpTo: async () => (await onListsUpTo?.(), true),
    count: async () => ids.length,
    idsAfter: async (after, limit) =>
      ids.filter((id) => after === undefined || id > after).slice(0, limit),
  };
}

const options = { pageSize: 2, readAhead: 2, maxListed: 100 };

describe('WhatIfJob', () => {
  let store: InMemoryEventStore;

  beforeEach(async () => {
    store = new InMemoryEventStore();
    await store.appendToStream(customerStreamId('c-a'), funded('80000000'), 'no_stream');
    await store.appendToStream(customerStreamId('c-b'), funded('3000000'), 'no_stream');
    await store.appendToStream(customerStreamId('c-c'), funded('90000000'), 'no_stream');
  });

  it('replays every listed customer under both policies, leaving out what was recorded after the start', async () => {
    const job = new WhatIfJob(
      'job-1',
      store,
      // c-b turns affluent (800,000.00 CNY) after the job started: not part of it; c-z has no events.
      directory(['c-a', 'c-b', 'c-c', 'c-z'], () =>
        store.appendToStream(
          customerStreamId('c-b'),
          [
            event('BalanceReported', '2025-01-08T00:00:00Z', {
              accountId: 'CUR-1',
              balanceMinor: '80000000',
              currency: 'CNY',
            }),
          ],
          2,
        ),
      ),
      RETAIL_BANK_POLICY_V1,
      CANDIDATE,
      options,
    );
    await job.run();

    expect(job.status()).toMatchObject({
      id: 'job-1',
      state: 'finished',
      policies: { current: 'retail-bank.v1', candidate: 'retail-bank.v2-candidate' },
      asOfPosition: '8',
      progress: { customersDone: 3, customersTotal: 4, eventsFolded: 9, affected: 2 },
    });
    expect(job.summary()?.tier).toEqual({
      changed: 2,
      unchanged: 1,
      moves: [{ from: 'affluent', to: 'emerging-affluent', customers: 2 }],
    });
    expect(job.affectedPage({ limit: 10 })?.customers.map((c) => c.customerId)).toEqual([
      'c-a',
      'c-c',
    ]);
  });

  it('finishes at once on an empty store', async () => {
    const job = new WhatIfJob(
      'job-2',
      new InMemoryEventStore(),
      directory([]),
      RETAIL_BANK_POLICY_V1,
      CANDIDATE,
      options,
    );
    await job.run();
    expect(job.status()).toMatchObject({ state: 'finished', asOfPosition: null });
    expect(job.summary()).toMatchObject({ customers: 0, affected: 0 });
  });

  it('fails, and says why, when the read models do not list every customer in time', async () => {
    const job = new WhatIfJob(
      'job-3',
      store,
      { ...directory(['c-a']), listsUpTo: async () => false },
      RETAIL_BANK_POLICY_V1,
      CANDIDATE,
      options,
    );
    await job.run();
    expect(job.status()).toMatchObject({ state: 'failed' });
    expect(job.status().error).toMatch(/read models have not reached position 8/);
    expect(job.summary()).toBeUndefined();
    expect(job.affectedPage({ limit: 10 })).toBeUndefined();
  });

  it('stops at the next customer when asked', async () => {
    const job = new WhatIfJob(
      'job-4',
      store,
      directory(['c-a', 'c-b', 'c-c']),
      RETAIL_BANK_POLICY_V1,
      CANDIDATE,
      options,
    );
    const done = job.run();
    job.stop();
    await done;
    expect(job.status()).toMatchObject({ state: 'failed', progress: { customersDone: 0 } });
    expect(job.status().error).toMatch(/^stopped/);
  });
});
