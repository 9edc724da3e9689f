import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgliteSqlClient } from '../../src/postgres/pglite-sql-client';
import { PostgresKeyStore } from '../../src/privacy/postgres-key-store';
import { touchpoints } from '../support/touchpoints';
import { buildService, ServiceProcess } from './service-process';

const post = (url: string, body: unknown) =>
  fetch(`${url}/v1/touchpoints`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/**
 * An erasure is two steps: the PersonalDataErased event is appended (durable), then the data key
 * is shredded. The process is SIGKILLed exactly between them (CLE_FAILPOINT); the restarted
 * service finishes the shred when its projection reaches the event.
 */
describe('erasure interrupted by SIGKILL (crash)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cle-erasure-crash-'));
  const port = 37000 + Math.floor(Math.random() * 2000);
  beforeAll(() => buildService(), 120_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('finishes the shred after a restart, from the stored erasure event', async () => {
    const customerId = `c-${randomUUID()}`;
    const erasureId = randomUUID();
    const crashing = new ServiceProcess(port, {
      DATA_DIR: dataDir,
      CLE_FAILPOINT: 'erasure-appended',
    });
    await crashing.start();
    try {
      expect((await post(crashing.url, touchpoints.prospect(customerId))).status).toBe(201);
      const answered = await post(crashing.url, {
        eventId: erasureId,
        customerId,
        type: 'PersonalDataErased',
        occurredAt: '2026-02-01T09:00:00Z',
        data: { requestId: 'dsr-crash', reason: 'customer-request' },
        metadata: { sourceSystem: 'privacy-desk' },
      }).catch((error: Error) => error);
      // The process died before it could answer.
      expect((answered as Error).message).toMatch(/fetch failed/);
      expect(await crashing.ended()).toBe('SIGKILL');
    } finally {
      await crashing.kill();
    }

    // Between the two steps: the erasure is stored, the key is not shredded yet.
    const sql = await PgliteSqlClient.open(join(dataDir, 'pglite'));
    try {
      const stored = await sql.query<{ event_id: string }>(
        "SELECT event_id FROM es_events WHERE stream_id = $1 AND type = 'PersonalDataErased'",
        [`customer-${customerId}`],
      );
      expect(stored.map((row) => row.event_id)).toEqual([erasureId]);
      expect((await (await PostgresKeyStore.create(sql)).find(customerId)).state).toBe('active');
    } finally {
      await sql.close();
    }

    const restarted = new ServiceProcess(port, { DATA_DIR: dataDir });
    await restarted.start();
    try {
      const deadline = Date.now() + 30_000;
      let data: Record<string, unknown> = {};
      while (Date.now() < deadline) {
        const { events } = (await (
          await fetch(`${restarted.url}/v1/customers/${customerId}/events`, {
            headers: { 'x-purpose': 'TEST-AUDIT-1' },
          })
        ).json()) as { events: { data: Record<string, unknown> }[] };
        data = events[0].data;
        if (typeof data.fullName === 'object') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(data.fullName).toEqual({ erased: true, erasedBy: erasureId });
      expect(data.phone).toEqual({ erased: true, erasedBy: erasureId });
    } finally {
      await restarted.stop();
    }
  }, 180_000);
});
