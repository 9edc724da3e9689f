import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { personalFieldsOf, SYSTEM_TOUCHPOINT_TYPES } from '../../src/domain/touchpoints';
import { SQL_CLIENT } from '../../src/postgres/postgres.module';
import { SqlClient } from '../../src/postgres/sql-client';
import { PersonalDataVault } from '../../src/privacy/personal-data-vault';
import { SimulatedTouchpoint, simulateTouchpoints } from '../../src/simulator';
import { RunningApp, startApp } from '../support/app';
import { describeWithServer, freshPostgresDatabase, POSTGRES } from '../support/servers';
import { touchpoints } from '../support/touchpoints';

/** Every string value of the personal fields the simulated touchpoints carry. */
function personalStrings(sent: readonly SimulatedTouchpoint[]): string[] {
  const found = new Set<string>();
  const collect = (value: unknown): void => {
    if (typeof value === 'string' && value.length >= 8) found.add(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  for (const touchpoint of sent) {
    for (const field of personalFieldsOf(touchpoint.type, touchpoint.version))
      collect(touchpoint.data[field]);
  }
  return [...found];
}

/** Account ids: plain values stored in the same events' data, to show the scan sees data. */
const plainValues = (sent: readonly SimulatedTouchpoint[]): string[] => [
  ...new Set(
    sent
      .map((touchpoint) => touchpoint.data.accountId)
      .filter((id): id is string => typeof id === 'string' && id.length >= 8),
  ),
];

/** The needles found anywhere in the bytes of `files` (read as latin1: UTF-8 bytes match). */
function foundIn(haystacks: readonly string[], needles: readonly string[]): string[] {
  return needles.filter((needle) => haystacks.some((haystack) => haystack.includes(needle)));
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

async function ingest(running: RunningApp, sent: readonly SimulatedTouchpoint[]) {
  let position = '0';
  for (let start = 0; start < sent.length; start += 250) {
    const { body } = await running
      .http()
      .post('/v1/touchpoints')
      .send({ touchpoints: sent.slice(start, start + 250) })
      .expect(200);
    expect(body.appended).toBe(Math.min(250, sent.length - start));
    position = body.position ?? position;
  }
  return position;
}

const simulated = (customers: number, seed: number) =>
  [...simulateTouchpoints({ customers, seed, days: 900 })].filter(
    (touchpoint) => !SYSTEM_TOUCHPOINT_TYPES.includes(touchpoint.type),
  );

describe('personal data (e2e)', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp();
  });
  afterAll(() => running.close());

  const eventsOf = async (customerId: string) =>
    (
      await running
        .http()
        .get(`/v1/customers/${customerId}/events`)
        .set('X-Purpose', 'TEST-AUDIT-1')
        .expect(200)
    ).body.events as {
      eventId: string;
      type: string;
      data: Record<string, unknown>;
    }[];
  const rawEvents = (customerId: string) =>
    running.app
      .get<symbol, SqlClient>(SQL_CLIENT)
      .query<{ event_id: string; data: Record<string, unknown> }>(
        'SELECT event_id, data FROM es_events WHERE stream_id = $1 ORDER BY revision',
        [`customer-${customerId}`],
      );

  it('stores personal fields sealed and shows them to the audit read as sent', async () => {
    const customerId = `c-${randomUUID()}`;
    const prospect = touchpoints.prospect(customerId);
    await running.http().post('/v1/touchpoints').send(prospect).expect(201);

    const [stored] = await rawEvents(customerId);
    expect(stored.data).toMatchObject({ source: 'branch-walk-in', channel: 'branch' });
    expect(stored.data).not.toHaveProperty('fullName');
    expect(stored.data.$personal).toMatchObject({ alg: 'A256GCM', fields: ['fullName', 'phone'] });
    expect(JSON.stringify(stored)).not.toContain('Li Wei');

    const [event] = await eventsOf(customerId);
    expect(event.data).toEqual(prospect.data);
  });

  it('answers a resend of a touchpoint with personal data duplicate, and other personal content reused', async () => {
    const customerId = `c-${randomUUID()}`;
    const prospect = touchpoints.prospect(customerId);
    await running.http().post('/v1/touchpoints').send(prospect).expect(201);
    await running.http().post('/v1/touchpoints').send(prospect).expect(200);
    const renamed = { ...prospect, data: { ...prospect.data, fullName: 'Li Wen' } };
    const reused = await running.http().post('/v1/touchpoints').send(renamed).expect(409);
    expect(reused.body).toMatchObject({ status: 'rejected', rule: 'event-id-reused' });
  });

  it('after erasure shows each personal field as erased, keeps a tombstone, and refuses the customer', async () => {
    const customerId = `c-${randomUUID()}`;
    const original = touchpoints.prospect(customerId);
    await running.http().post('/v1/touchpoints').send(original).expect(201);
    const erasure = {
      eventId: randomUUID(),
      customerId,
      type: 'PersonalDataErased',
      occurredAt: '2026-02-01T09:00:00Z',
      data: { requestId: 'dsr-1', reason: 'customer-request' },
      metadata: { sourceSystem: 'privacy-desk' },
    };
    await running.http().post('/v1/touchpoints').send(erasure).expect(201);

    const [prospect] = await eventsOf(customerId);
    expect(prospect.data).toEqual({
      source: 'branch-walk-in',
      channel: 'branch',
      branchId: 'BR-SH-001',
      fullName: { erased: true, erasedBy: erasure.eventId },
      phone: { erased: true, erasedBy: erasure.eventId },
    });
    const vault = running.app.get(PersonalDataVault);
    expect(await vault.find(customerId)).toEqual({
      state: 'shredded',
      tombstone: {
        shreddedAt: expect.any(String),
        reason: 'customer-request',
        erasureEventId: erasure.eventId,
      },
    });
    // A resend (a Kafka redelivery, a retry) of what was stored before is still a duplicate,
    // judged on the content left to compare; another branch is another event.
    await running.http().post('/v1/touchpoints').send(original).expect(200);
    await running.http().post('/v1/touchpoints').send(erasure).expect(200);
    const moved = { ...original, data: { ...original.data, branchId: 'BR-BJ-002' } };
    expect(
      (await running.http().post('/v1/touchpoints').send(moved).expect(409)).body,
    ).toMatchObject({
      rule: 'event-id-reused',
    });
    const again = await running
      .http()
      .post('/v1/touchpoints')
      .send(touchpoints.interaction(customerId, '2026-02-02T00:00:00Z'))
      .expect(422);
    expect(again.body).toMatchObject({ rule: 'customer-erased' });
  });

  it('shows a ciphertext copied onto another customer’s event as unreadable, with the reason', async () => {
    const [a, b] = [`c-${randomUUID()}`, `c-${randomUUID()}`];
    await running.http().post('/v1/touchpoints').send(touchpoints.prospect(a)).expect(201);
    await running.http().post('/v1/touchpoints').send(touchpoints.prospect(b)).expect(201);
    const [fromA] = await rawEvents(a);
    await running.app
      .get<symbol, SqlClient>(SQL_CLIENT)
      .query(
        `UPDATE es_events SET data = jsonb_set(data, '{$personal}', $1::jsonb) WHERE stream_id = $2`,
        [JSON.stringify(fromA.data.$personal), `customer-${b}`],
      );
    const [tampered] = await eventsOf(b);
    expect(tampered.data.fullName).toEqual({
      unreadable: expect.stringMatching(/does not authenticate for customer .*altered or copied/),
    });
    expect(JSON.stringify(tampered)).not.toContain('Li Wei');
  });

  it('projects the same 360s, stats and feed, live and rebuilt, after every key is shredded', async () => {
    const own = await startApp();
    try {
      const sent = simulated(40, 43);
      const position = await ingest(own, sent);
      const customerIds = [...new Set(sent.map((touchpoint) => touchpoint.customerId))];
      const snapshot = async () => ({
        customers: await Promise.all(
          customerIds.map(
            async (id) =>
              (await own.http().get(`/v1/customers/${id}?minPosition=${position}`).expect(200))
                .body,
          ),
        ),
        funnel: (await own.http().get('/v1/stats/funnel').expect(200)).body,
        tiers: (await own.http().get('/v1/stats/tiers').expect(200)).body,
        feed: (await own.http().get('/v1/feed?limit=1000').expect(200)).body,
      });
      const before = await snapshot();
      expect(before.feed.messages.length).toBeGreaterThan(100);

      const vault = own.app.get(PersonalDataVault);
      for (const id of customerIds) {
        await vault.shred(id, {
          shreddedAt: new Date().toISOString(),
          reason: 'regulator-order',
          erasureEventId: randomUUID(),
        });
      }
      expect(await snapshot()).toEqual(before);

      await own.http().post('/v1/admin/projections/customers/rebuild').expect(202);
      for (let waited = 0; ; waited += 100) {
        const { body } = await own.http().get('/v1/admin/projections').expect(200);
        if (body.projections[0].rebuild?.state === 'switched') break;
        expect(body.projections[0].rebuild?.state).not.toBe('failed');
        expect(waited).toBeLessThan(60_000);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await snapshot()).toEqual(before);
    } finally {
      await own.close();
    }
  }, 180_000);

  it('leaves no personal value of 150 simulated customers anywhere in DATA_DIR', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'cle-pii-scan-'));
    try {
      const own = await startApp({}, folder);
      const sent = simulated(150, 31);
      try {
        await ingest(own, sent);
        // Out of the write-ahead log into the table files too, then closed: every byte on disk.
        await own.app.get<symbol, SqlClient>(SQL_CLIENT).query('CHECKPOINT');
      } finally {
        await own.close();
      }
      const files = filesUnder(folder).map((file) => readFileSync(file).toString('latin1'));
      const needles = personalStrings(sent);
      expect(needles.length).toBeGreaterThan(300);
      // The scan sees what is stored: plain values of the same events' data are there...
      const plain = plainValues(sent).slice(0, 40);
      expect(foundIn(files, plain)).toEqual(plain);
      // ...and not one personal value.
      expect(foundIn(files, needles)).toEqual([]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 180_000);
});

describeWithServer(POSTGRES, 'personal data on a PostgreSQL server (e2e)', (serverUrl) => {
  it('leaves no personal value of 150 simulated customers in a pg_dump of the database', async () => {
    const database = await freshPostgresDatabase(serverUrl);
    const running = await startApp({ DATABASE_URL: database.url });
    try {
      const sent = simulated(150, 37);
      await ingest(running, sent);
      const dump = execFileSync('pg_dump', ['--data-only', database.url], {
        maxBuffer: 512 * 1024 * 1024,
      }).toString('latin1');
      const plain = plainValues(sent).slice(0, 40);
      expect(foundIn([dump], plain)).toEqual(plain);
      expect(foundIn([dump], personalStrings(sent))).toEqual([]);
    } finally {
      await running.close();
      await database.drop();
    }
  }, 180_000);
});
