import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSTEM_TOUCHPOINT_TYPES } from '../../src/domain/touchpoints';
import { SimulatedTouchpoint, simulateTouchpoints } from '../../src/simulator';
import {
  allDocuments as documentsOf,
  feedText as feedOf,
  transitionsText as transitionsOf,
} from '../support/read-model-snapshot';
import { buildService, postTouchpoints, ServiceProcess } from './service-process';

/** A small seeded PRNG so kill moments are random but reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * docs/architecture.md rule 6 under real crashes: while the simulator ingests, the service process is
 * SIGKILLed at random moments and restarted, 10 times. Afterwards every customer document must
 * equal, byte for byte, what a fresh rebuild from the event store produces.
 */
describe('crash: SIGKILL during ingest and projection, then restart (real process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cle-crash-'));
  const service = new ServiceProcess(41_000 + Math.floor(Math.random() * 5000), {
    DATA_DIR: dataDir,
    SCHEDULER_INTERVAL_MS: '86400000',
    READ_YOUR_WRITES_TIMEOUT_MS: '30000',
  });

  beforeAll(() => buildService(), 120_000);
  afterAll(async () => {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (batch: readonly SimulatedTouchpoint[]) => postTouchpoints(service.url, batch);

  const allDocuments = () => documentsOf(service.url);
  const transitionsText = () => transitionsOf(service.url);
  const feedText = () => feedOf(service.url);

  it('10 kills at random moments leave read models and the outbox equal to a fresh rebuild', async () => {
    const random = mulberry32(20261123);
    const touchpoints = [...simulateTouchpoints({ customers: 300, seed: 11, days: 720 })].filter(
      (touchpoint) => !SYSTEM_TOUCHPOINT_TYPES.includes(touchpoint.type),
    );
    const expectedEvents = new Map<string, number>();
    for (const touchpoint of touchpoints) {
      expectedEvents.set(
        touchpoint.customerId,
        (expectedEvents.get(touchpoint.customerId) ?? 0) + 1,
      );
    }
    await service.start();

    let kills = 0;
    let sent = 0;
    const killer = (async () => {
      while (kills < 10) {
        await sleep(150 + random() * 900);
        await service.kill();
        kills++;
        await service.start();
      }
    })();
    // Resend a batch until the service takes it: ids make resends idempotent.
    while (sent < touchpoints.length) {
      const batch = touchpoints.slice(sent, sent + 50);
      if (await post(batch)) sent += batch.length;
      else await sleep(50);
      if (kills >= 10 && sent >= touchpoints.length) break;
    }
    await killer;
    expect(kills).toBe(10);

    // Wait for the projection to reach the head.
    interface Status {
      generation: number;
      lagEvents: number;
      headPosition: string;
      rebuild?: { state: string };
    }
    const status = async () =>
      (
        (await (await fetch(`${service.url}/v1/admin/projections`)).json()) as {
          projections: Status[];
        }
      ).projections[0];
    for (let i = 0; i < 600 && (await status()).lagEvents > 0; i++) await sleep(100);
    const lastPosition = (await status()).headPosition;
    expect((await status()).lagEvents).toBe(0);

    const afterCrashes = await allDocuments();
    const transitionsAfterCrashes = await transitionsText();
    const feedAfterCrashes = await feedText();
    expect(feedAfterCrashes.length).toBeGreaterThan(touchpoints.length * 20);
    expect(afterCrashes.size).toBe(expectedEvents.size);
    for (const [customerId, text] of afterCrashes) {
      expect({ customerId, events: JSON.parse(text).eventCount }).toEqual({
        customerId,
        events: expectedEvents.get(customerId),
      });
    }

    const rebuild = (await (
      await fetch(`${service.url}/v1/admin/projections/customers/rebuild`, { method: 'POST' })
    ).json()) as { rebuild: { generation: number } };
    for (let i = 0; i < 600; i++) {
      const current = await status();
      if (
        current.generation === rebuild.rebuild.generation &&
        current.rebuild?.state === 'switched'
      )
        break;
      await sleep(100);
    }
    expect(await status()).toMatchObject({
      generation: rebuild.rebuild.generation,
      headPosition: lastPosition,
    });

    const rebuilt = await allDocuments();
    expect([...rebuilt.keys()].sort()).toEqual([...afterCrashes.keys()].sort());
    for (const [customerId, text] of afterCrashes) expect(rebuilt.get(customerId)).toBe(text);
    expect(await transitionsText()).toBe(transitionsAfterCrashes);
    expect(await feedText()).toBe(feedAfterCrashes);
  }, 600_000);
});
