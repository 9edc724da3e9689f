import { randomBytes, randomUUID } from 'node:crypto';
import { ConfigService } from '@nestjs/config';
import { CommandBus } from '@nestjs/cqrs';
import { initialCustomerState, projectCustomerHistory } from '../../projections';
import { InMemoryAccessLog } from '../access-log/in-memory-access-log';
import { Environment } from '../config/environment';
import { RETAIL_BANK_POLICY_V1 } from '../domain/retail-bank-policy';
import { customerStreamId } from '../event-store/event-store.port';
import { InMemoryEventStore } from '../event-store/in-memory-event-store';
import {
  AppendSystemEventsCommand,
  AppendTouchpointsCommand,
  TouchpointOutcome,
} from '../ingest/append-touchpoints.command';
import {
  AppendSystemEventsHandler,
  AppendTouchpointsHandler,
} from '../ingest/append-touchpoints.handler';
import { ValidTouchpoint } from '../ingest/touchpoint-validator';
import { PolicyTimeline } from '../policy-history/policy-timeline';
import { StorageGuard } from '../postgres/storage-guard';
import { InMemoryKeyStore } from '../privacy/in-memory-key-store';
import { LocalMasterKey } from '../privacy/local-master-key';
import { PersonalDataVault } from '../privacy/personal-data-vault';
import type { ProjectionEngine } from '../projection-engine/projection-engine.service';
import { ReadModelStore, StoredDocument } from '../read-models/read-model-store.port';
import { ThresholdScheduler } from './threshold-scheduler';

// The scheduler needs of the engine only isLeader() and collections(), faked below.
jest.mock('../projection-engine/projection-engine.service', () => ({
  ProjectionEngine: class ProjectionEngine {},
}));

const SETTINGS: Partial<Record<keyof Environment, number>> = {
  SCHEDULER_INTERVAL_MS: 3_600_000,
  INGEST_CONFLICT_RETRIES: 3,
  DECIDER_CACHE_EVENTS: 10_000,
  PII_KEY_CACHE_SIZE: 100,
};
const config = {
  get: (key: keyof Environment) => SETTINGS[key],
} as unknown as ConfigService<Environment, true>;
const policies = { current: () => RETAIL_BANK_POLICY_V1 } as unknown as PolicyTimeline;
const NOW = new Date('2026-03-01T00:00:00Z');

const touchpoint = (
  customerId: string,
  type: string,
  occurredAt: string,
  data: Record<string, unknown>,
): ValidTouchpoint => ({
  eventId: randomUUID(),
  customerId,
  type,
  version: 1,
  occurredAt: new Date(occurredAt).toISOString(),
  data,
  metadata: { sourceSystem: 'test' },
});
const prospect = (id: string, at = '2024-01-01T09:00:00Z') =>
  touchpoint(id, 'ProspectCaptured', at, { source: 'website', channel: 'web', fullName: 'Li Wei' });
const opened = (id: string, accountId: string, at = '2024-01-02T09:00:00Z') =>
  touchpoint(id, 'ProductOpened', at, {
    accountId,
    productType: 'current',
    productCode: 'CUR',
    currency: 'CNY',
    channel: 'web',
  });
const closed = (id: string, accountId: string, at: string) =>
  touchpoint(id, 'ProductClosed', at, { accountId, reason: 'customer-request' });

/**
 * The scheduler over the real command handler (decider, expected revision, vault) and an
 * in-memory store; the read model is a list of documents the test writes, as the projection
 * would (or, for the decider's case, as a wrong one would).
 */
function setUp(
  store = new InMemoryEventStore(),
  vault = new PersonalDataVault(
    new InMemoryKeyStore(),
    new LocalMasterKey([{ kid: 'k1', key: randomBytes(32) }]),
    config,
  ),
) {
  const handler = new AppendTouchpointsHandler(store, vault, policies, config);
  const systemHandler = new AppendSystemEventsHandler(handler);
  const sent: unknown[] = [];
  /** What the handler answered the scheduler's commands. */
  const answered: TouchpointOutcome[] = [];
  const commands = {
    execute: async (command: unknown) => {
      sent.push(command);
      if (command instanceof AppendTouchpointsCommand) return handler.execute(command);
      if (!(command instanceof AppendSystemEventsCommand)) throw new Error('unexpected command');
      const outcomes = await systemHandler.execute(command);
      answered.push(...outcomes);
      return outcomes;
    },
  } as unknown as CommandBus;
  let documents: StoredDocument[] = [];
  const readModels = {
    find: async () => ({ documents, nextCursor: undefined }),
  } as unknown as ReadModelStore;
  const engine = {
    isLeader: () => true,
    collections: () => ({ customers: 'customers' }),
  } as unknown as ProjectionEngine;
  const accessLog = new InMemoryAccessLog();
  const scheduler = new ThresholdScheduler(
    commands,
    readModels,
    policies,
    engine,
    {} as StorageGuard,
    accessLog,
    config,
  );

  /** Ingests touchpoints through the command, as the HTTP and Kafka paths do. */
  const ingest = (customerId: string, touchpoints: ValidTouchpoint[]) =>
    commands.execute(new AppendTouchpointsCommand(customerId, touchpoints));
  /** The customer's document as the projection writes it: the stream projected, at its revision. */
  const projected = async (customerId: string, events?: readonly ValidTouchpoint[]) => {
    const stream = await store.readStream(customerStreamId(customerId));
    const body = projectCustomerHistory(
      initialCustomerState(customerId),
      (events ?? stream) as Parameters<typeof projectCustomerHistory>[1],
      RETAIL_BANK_POLICY_V1,
    );
    return { id: customerId, version: stream.length - 1, body: { customer: body } };
  };
  const stream = async (customerId: string) => store.readStream(customerStreamId(customerId));
  return {
    store,
    scheduler,
    sent,
    answered,
    vault,
    accessLog,
    ingest,
    projected,
    stream,
    show: (docs: StoredDocument[]) => (documents = docs),
  };
}

describe('ThresholdScheduler through the command path', () => {
  it('sends due threshold events as AppendSystemEventsCommand; a second run finds them as duplicates', async () => {
    const t = setUp();
    const id = `c-${randomUUID()}`;
    await t.ingest(id, [prospect(id), opened(id, 'CUR-1')]);
    const document = await t.projected(id);
    t.show([document]);

    const first = await t.scheduler.runOnce(NOW);
    expect(first).toMatchObject({ customersDue: 1, duplicates: 0, skipped: 0 });
    expect(first.eventsAppended).toBeGreaterThan(0);
    const system = t.sent.filter((c) => c instanceof AppendSystemEventsCommand);
    expect(system).toHaveLength(1);
    expect(system[0]).toMatchObject({ customerId: id, expectedRevision: 1 });

    const stored = (await t.stream(id)).slice(2);
    expect(stored).toHaveLength(first.eventsAppended);
    expect(stored.map((e) => e.type)).toContain('InactivityThresholdReached');
    for (const event of stored)
      expect(event.metadata).toEqual({
        sourceSystem: 'scheduler',
        causationId: expect.any(String),
      });

    // Same (not yet re-projected) document: the same ids, stored already.
    const again = await t.scheduler.runOnce(NOW);
    expect(again).toMatchObject({
      customersDue: 1,
      eventsAppended: 0,
      duplicates: first.eventsAppended,
      skipped: 0,
    });
    expect(await t.stream(id)).toHaveLength(2 + first.eventsAppended);
    expect(t.scheduler.lastRun()).toEqual(again);
  });

  it('appends each event once when two instances (two handlers, one store) run at the same time', async () => {
    const one = setUp();
    const two = setUp(one.store, one.vault);
    const id = `c-${randomUUID()}`;
    await one.ingest(id, [prospect(id), opened(id, 'CUR-1')]);
    const document = await one.projected(id);
    one.show([document]);
    two.show([document]);

    const [a, b] = await Promise.all([one.scheduler.runOnce(NOW), two.scheduler.runOnce(NOW)]);
    const due = (await one.stream(id)).length - 2;
    expect(due).toBeGreaterThan(0);
    expect(a.eventsAppended + b.eventsAppended).toBe(due);
    expect(a.duplicates + b.duplicates).toBe(due);
    expect(a.skipped + b.skipped).toBe(0);
  });

  it('skips a customer whose stream moved on since its document was written, and appends next run', async () => {
    const t = setUp();
    const id = `c-${randomUUID()}`;
    await t.ingest(id, [prospect(id), opened(id, 'CUR-1')]);
    t.show([await t.projected(id)]);
    // A touchpoint lands after the document was read.
    await t.ingest(id, [opened(id, 'CUR-2', '2024-01-03T09:00:00Z')]);

    const run = await t.scheduler.runOnce(NOW);
    expect(run).toMatchObject({ customersDue: 1, eventsAppended: 0, duplicates: 0, skipped: 1 });
    expect(await t.stream(id)).toHaveLength(3);

    t.show([await t.projected(id)]);
    const next = await t.scheduler.runOnce(NOW);
    expect(next).toMatchObject({ customersDue: 1, skipped: 0 });
    expect(next.eventsAppended).toBeGreaterThan(0);
  });

  it("lets the decider refuse a threshold that no longer applies: inactivity with every product closed, though the document (at the stream's revision) shows one open", async () => {
    const t = setUp();
    const id = `c-${randomUUID()}`;
    const history = [prospect(id), opened(id, 'CUR-1')];
    await t.ingest(id, [...history, closed(id, 'CUR-1', '2024-02-01T09:00:00Z')]);
    // A wrong document: it claims the stream's revision but reflects the history before the
    // closure (the projection never proposes inactivity for a customer without open products).
    t.show([await t.projected(id, history)]);

    const run = await t.scheduler.runOnce(NOW);
    expect(run).toMatchObject({ customersDue: 1, eventsAppended: 0, duplicates: 0, skipped: 1 });
    expect(t.answered.length).toBeGreaterThan(0);
    for (const outcome of t.answered)
      expect(outcome).toMatchObject({ status: 'rejected', rule: 'no-open-products' });
    expect((await t.stream(id)).map((e) => e.type)).toEqual([
      'ProspectCaptured',
      'ProductOpened',
      'ProductClosed',
    ]);
  });

  it('refuses threshold events for an erased customer (customer-erased)', async () => {
    const t = setUp();
    const id = `c-${randomUUID()}`;
    const history = [
      prospect(id, '2018-01-01T09:00:00Z'),
      opened(id, 'CUR-1', '2018-01-02T09:00:00Z'),
    ];
    await t.ingest(id, [
      ...history,
      closed(id, 'CUR-1', '2018-06-01T09:00:00Z'),
      touchpoint(id, 'PersonalDataErased', '2025-01-01T09:00:00Z', {
        requestId: 'DSR-1',
        reason: 'customer-request',
      }),
    ]);
    t.show([await t.projected(id, history)]);
    const run = await t.scheduler.runOnce(NOW);
    expect(run).toMatchObject({ eventsAppended: 0, skipped: 1 });
    expect(t.answered.length).toBeGreaterThan(0);
    for (const outcome of t.answered)
      expect(outcome).toMatchObject({ status: 'rejected', rule: 'customer-erased' });
    expect(await t.stream(id)).toHaveLength(4);
  });

  it('appends a retention-expired erasure through the decider: the key is shredded and the scheduler leaves an access record', async () => {
    const t = setUp();
    const id = `c-${randomUUID()}`;
    await t.ingest(id, [
      prospect(id, '2019-01-05T09:00:00Z'),
      opened(id, 'CUR-1', '2019-01-10T10:00:00Z'),
      closed(id, 'CUR-1', '2020-06-01T10:00:00Z'),
      touchpoint(id, 'PersonalDataErasureRequested', '2024-01-01T09:00:00Z', {
        requestId: 'DSR-7',
      }),
    ]);
    expect((await t.vault.find(id)).state).toBe('active');
    t.show([await t.projected(id)]);

    const run = await t.scheduler.runOnce(NOW);
    expect(run).toMatchObject({ customersDue: 1, eventsAppended: 1, duplicates: 0, skipped: 0 });
    const erasure = (await t.stream(id))[4];
    expect(erasure).toMatchObject({
      type: 'PersonalDataErased',
      occurredAt: '2025-06-01T10:00:00.000Z',
      data: { requestId: 'DSR-7', reason: 'retention-expired' },
      metadata: { sourceSystem: 'scheduler' },
    });
    expect(await t.vault.find(id)).toMatchObject({
      state: 'shredded',
      tombstone: { reason: 'retention-expired', erasureEventId: erasure.eventId },
    });
    const { records } = await t.accessLog.list({ customerId: id, limit: 10 });
    expect(records).toEqual([
      expect.objectContaining({
        keyName: 'scheduler',
        action: 'erasure',
        details: { eventId: erasure.eventId, reason: 'retention-expired' },
      }),
    ]);

    // Run again on the same document: a duplicate, and no second access record.
    const again = await t.scheduler.runOnce(NOW);
    expect(again).toMatchObject({ eventsAppended: 0, duplicates: 1 });
    expect((await t.accessLog.list({ customerId: id, limit: 10 })).records).toHaveLength(1);
  });
});

describe('AppendTouchpointsCommand', () => {
  it('refuses system-only types: only AppendSystemEventsCommand carries them', async () => {
    const t = setUp();
    const id = `c-${randomUUID()}`;
    await t.ingest(id, [prospect(id)]);
    const [outcome] = await t.ingest(id, [
      touchpoint(id, 'RmContactOverdue', '2024-06-01T00:00:00Z', {
        rmId: 'RM-1',
        dueAt: '2024-06-01T00:00:00Z',
        policyVersion: 'retail-bank-v1',
      }),
    ]);
    expect(outcome).toMatchObject({ status: 'rejected', rule: 'system-event', field: 'type' });
  });
});
