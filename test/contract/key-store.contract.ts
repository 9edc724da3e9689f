import { randomUUID } from 'node:crypto';
import { KeyStore, Tombstone } from '../../src/privacy/key-store.port';

export interface KeyStoreUnderTest {
  readonly store: KeyStore;
  close(): Promise<void>;
}

const wrapped = (tag: string) => ({ kid: 'k1', wrapped: `wrapped-${tag}-${randomUUID()}` });
const tombstone = (eventId = randomUUID()): Tombstone => ({
  shreddedAt: '2026-12-03T10:00:00.000Z',
  reason: 'customer-request',
  erasureEventId: eventId,
});

/** The one contract every KeyStore adapter passes against its real backend (an empty store). */
export function keyStoreContract(open: () => Promise<KeyStoreUnderTest>): void {
  let subject: KeyStoreUnderTest;
  let store: KeyStore;
  let customer: string;

  beforeAll(async () => {
    subject = await open();
    store = subject.store;
  });
  afterAll(() => subject?.close());
  beforeEach(() => {
    customer = `c-${randomUUID()}`;
  });

  it('given no key, when one is created, then it is found active with what was stored', async () => {
    expect(await store.find(customer)).toEqual({ state: 'none' });
    const key = wrapped('a');
    const created = await store.create(customer, key);
    expect(created).toMatchObject({ state: 'active', key });
    expect(await store.find(customer)).toEqual(created);
  });

  it('given a key, when another is created for the customer, then the first stays and is answered', async () => {
    const first = wrapped('first');
    await store.create(customer, first);
    expect(await store.create(customer, wrapped('second'))).toMatchObject({
      state: 'active',
      key: first,
    });
  });

  it('given racing creators, then exactly one key wins and every creator is answered that key', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.create(customer, wrapped(`racer-${i}`))),
    );
    const keys = new Set(
      answers.map((answer) => (answer.state === 'active' ? answer.key.wrapped : answer.state)),
    );
    expect(keys.size).toBe(1);
    expect(await store.find(customer)).toMatchObject({ state: 'active' });
  });

  it('given a key, when it is shredded, then only its tombstone remains and no key comes back', async () => {
    await store.create(customer, wrapped('doomed'));
    const grave = tombstone();
    await store.shred(customer, grave);
    expect(await store.find(customer)).toEqual({ state: 'shredded', tombstone: grave });
    // A shredded customer never gets a key again.
    expect(await store.create(customer, wrapped('reborn'))).toEqual({
      state: 'shredded',
      tombstone: grave,
    });
  });

  it('given a shredded key, when shredded again, then the first tombstone stays', async () => {
    await store.create(customer, wrapped('x'));
    const first = tombstone();
    await store.shred(customer, first);
    await store.shred(customer, { ...tombstone(), reason: 'retention-expired' });
    expect(await store.find(customer)).toEqual({ state: 'shredded', tombstone: first });
  });

  it('given a customer who never had a key, when shredded, then a tombstone tells it from "none"', async () => {
    const grave = tombstone();
    await store.shred(customer, grave);
    expect(await store.find(customer)).toEqual({ state: 'shredded', tombstone: grave });
  });

  it('rewraps a key only if it is still the one the caller read', async () => {
    const original = wrapped('orig');
    await store.create(customer, original);
    const rotated = { kid: 'k2', wrapped: `rotated-${randomUUID()}` };
    expect(await store.rewrap(customer, wrapped('stale'), rotated)).toBe(false);
    expect(await store.rewrap(customer, original, rotated)).toBe(true);
    expect(await store.find(customer)).toMatchObject({ state: 'active', key: rotated });
    await store.shred(customer, tombstone());
    expect(await store.rewrap(customer, rotated, original)).toBe(false);
  });

  it('lists active keys in customer-id order from a cursor, and counts active and shredded', async () => {
    const before = await store.counts();
    const prefix = `list-${randomUUID()}`;
    const ids = ['b', 'a', 'd', 'c'].map((suffix) => `${prefix}-${suffix}`);
    for (const id of ids) await store.create(id, wrapped(id));
    await store.shred(`${prefix}-c`, tombstone());
    const listed: string[] = [];
    let cursor: string | undefined = prefix;
    for (;;) {
      const page = await store.listActive(cursor, 2);
      const ours = page.filter((entry) => entry.customerId.startsWith(prefix));
      listed.push(...ours.map((entry) => entry.customerId));
      if (page.length < 2 || ours.length < page.length) break;
      cursor = page[page.length - 1].customerId;
    }
    expect(listed).toEqual([`${prefix}-a`, `${prefix}-b`, `${prefix}-d`]);
    expect(await store.counts()).toEqual({
      active: before.active + 3,
      shredded: before.shredded + 1,
    });
  });
}
