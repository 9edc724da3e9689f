import { randomUUID } from 'node:crypto';
import { LeaseStore } from '../../src/projection-engine/lease/lease.port';

export interface LeaseStoreUnderTest {
  readonly store: LeaseStore;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The one contract every LeaseStore adapter passes against its real backend. */
export function leaseStoreContract(open: () => Promise<LeaseStoreUnderTest>): void {
  let subject: LeaseStoreUnderTest;
  let store: LeaseStore;
  // Names are unique per test: a server-backed store keeps leases between runs.
  let name: string;

  beforeAll(async () => {
    subject = await open();
    store = subject.store;
  });
  afterAll(() => subject?.close());
  beforeEach(() => {
    name = `projection-${randomUUID()}`;
  });

  it('given a free lease, when an owner acquires it, then it holds it and others are refused', async () => {
    expect(await store.holder(name)).toBeUndefined();
    expect(await store.acquire(name, 'a', 10_000)).toBe(true);
    expect(await store.acquire(name, 'b', 10_000)).toBe(false);
    expect(await store.holder(name)).toBe('a');
  });

  it('given a held lease, when the holder acquires again, then it is renewed', async () => {
    expect(await store.acquire(name, 'a', 300)).toBe(true);
    await sleep(200);
    expect(await store.acquire(name, 'a', 300)).toBe(true);
    await sleep(200);
    // 400 ms after the first take, but only 200 ms after the renewal: still a's.
    expect(await store.acquire(name, 'b', 300)).toBe(false);
    expect(await store.holder(name)).toBe('a');
  });

  it('given an expired lease, then another owner takes it and the old holder is refused', async () => {
    expect(await store.acquire(name, 'a', 150)).toBe(true);
    await sleep(300);
    expect(await store.holder(name)).toBeUndefined();
    expect(await store.acquire(name, 'b', 10_000)).toBe(true);
    expect(await store.acquire(name, 'a', 10_000)).toBe(false);
    expect(await store.holder(name)).toBe('b');
  });

  it('lists the unexpired leases under a prefix with their holders, and nothing else', async () => {
    // "_" and "." would be wildcards to LIKE and to a regular expression: the prefix is literal.
    const prefix = `${name}_p.`;
    expect(await store.acquire(`${prefix}0`, 'a', 10_000)).toBe(true);
    expect(await store.acquire(`${prefix}1`, 'b', 10_000)).toBe(true);
    expect(await store.acquire(`${prefix}2`, 'c', 150)).toBe(true);
    expect(await store.acquire(`${name}Xp.0`, 'd', 10_000)).toBe(true);
    expect(await store.acquire(`${name}_pX0`, 'e', 10_000)).toBe(true);
    await sleep(300);
    expect([...(await store.holders(prefix))]).toEqual([
      [`${prefix}0`, 'a'],
      [`${prefix}1`, 'b'],
    ]);
    expect((await store.holders(`${name}_q`)).size).toBe(0);
  });

  it('given a release, then only the holder frees the lease, at once', async () => {
    expect(await store.acquire(name, 'a', 10_000)).toBe(true);
    await store.release(name, 'b');
    expect(await store.holder(name)).toBe('a');
    await store.release(name, 'a');
    expect(await store.holder(name)).toBeUndefined();
    expect(await store.acquire(name, 'b', 10_000)).toBe(true);
  });

  it('given many owners racing for a free lease, then exactly one wins', async () => {
    const owners = Array.from({ length: 12 }, (_, i) => `owner-${i}`);
    const results = await Promise.all(owners.map((owner) => store.acquire(name, owner, 10_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.holder(name)).toBe(owners[results.indexOf(true)]);
  });

  it('given a held lease, when another owner takes it over from its holder, then it holds it at once', async () => {
    expect(await store.acquire(name, 'a', 10_000)).toBe(true);
    expect(await store.takeOver(name, 'b', 10_000, 'a')).toBe(true);
    expect(await store.holder(name)).toBe('b');
    expect(await store.acquire(name, 'a', 10_000)).toBe(false);
  });

  it('given a held lease, then a takeover that names another previous owner is refused', async () => {
    expect(await store.acquire(name, 'a', 10_000)).toBe(true);
    expect(await store.takeOver(name, 'c', 10_000, 'b')).toBe(false);
    expect(await store.holder(name)).toBe('a');
  });

  it('given a released lease, then a takeover takes it as a free lease', async () => {
    expect(await store.acquire(name, 'a', 10_000)).toBe(true);
    await store.release(name, 'a');
    expect(await store.takeOver(name, 'b', 10_000, 'a')).toBe(true);
    expect(await store.holder(name)).toBe('b');
  });

  it('keeps leases of different names apart', async () => {
    const other = `${name}-other`;
    expect(await store.acquire(name, 'a', 10_000)).toBe(true);
    expect(await store.acquire(other, 'b', 10_000)).toBe(true);
    expect(await store.holder(other)).toBe('b');
  });
}
