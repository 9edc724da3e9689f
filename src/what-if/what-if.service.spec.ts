import retailBankV1 from '../../policy/retail-bank.v1.json';
import { parsePolicy } from '../../projections';
import { RETAIL_BANK_POLICY_V1 } from '../domain/retail-bank-policy';
import { InMemoryEventStore } from '../event-store/in-memory-event-store';
import { ConflictError, NotFoundError } from '../http/errors/errors';
import { ProjectionEngine } from '../projection-engine/projection-engine.service';
import { InMemoryReadModelStore } from '../read-models/in-memory-read-model-store';
import { MAX_WHAT_IF_JOBS_KEPT, WhatIfService } from './what-if.service';
import { PolicyTimeline } from '../policy-history/policy-timeline';

const CANDIDATE = parsePolicy({ ...retailBankV1, policyVersion: 'candidate' });

describe('WhatIfService', () => {
  /** An engine whose read models reach a position only when the test says so. */
  function service() {
    let release: (reached: boolean) => void = () => undefined;
    const engine = {
      collections: () => ({ customers: 'customers_g1' }),
      reached: () => new Promise<boolean>((resolve) => (release = resolve)),
    } as unknown as ProjectionEngine;
    const store = new InMemoryEventStore();
    const whatIf = new WhatIfService(
      store,
      new InMemoryReadModelStore(),
      PolicyTimeline.fixed(RETAIL_BANK_POLICY_V1),
      engine,
    );
    return { whatIf, store, release: (reached: boolean) => release(reached) };
  }

  it('runs one what-if at a time: another is refused with a 409 until it ends', async () => {
    const { whatIf, store, release } = service();
    await store.appendToStream(
      'customer-c-1',
      [
        {
          eventId: '9a1f4f0e-3c0b-4c6b-8f7e-2f1d7c1f2a01',
          type: 'ProspectCaptured',
          version: 1,
          occurredAt: '2025-01-01T00:00:00Z',
          data: { source: 'web-form', channel: 'web' },
          metadata: {},
        },
      ],
      'no_stream',
    );
    const first = whatIf.start(CANDIDATE);
    expect(() => whatIf.start(CANDIDATE)).toThrow(ConflictError);
    // Ready as soon as it knows its position, while it still waits for the read models.
    await first.ready;
    expect(first.status()).toMatchObject({ state: 'running', asOfPosition: '0' });
    expect(() => whatIf.start(CANDIDATE)).toThrow(ConflictError);
    release(false);
    await whatIf.beforeApplicationShutdown();
    expect(whatIf.job(first.id).status().state).toBe('failed');
    expect(whatIf.start(CANDIDATE).id).not.toBe(first.id);
  });

  it(`keeps the last ${MAX_WHAT_IF_JOBS_KEPT} jobs, and answers an unknown one with NotFoundError`, async () => {
    const { whatIf } = service();
    const ids: string[] = [];
    for (let i = 0; i < MAX_WHAT_IF_JOBS_KEPT + 2; i++) {
      const job = whatIf.start(CANDIDATE);
      ids.push(job.id);
      // The store is empty: each finishes at once.
      await whatIf.beforeApplicationShutdown();
      expect(job.status().state).toBe('finished');
    }
    expect(() => whatIf.job(ids[0])).toThrow(NotFoundError);
    expect(() => whatIf.job(ids[1])).toThrow(NotFoundError);
    for (const id of ids.slice(2)) expect(whatIf.job(id).id).toBe(id);
  });
});
