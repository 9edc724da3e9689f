import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  customerStreamId,
  EVENT_STORE,
  EventStore,
  eventToAppend,
} from '../../src/event-store/event-store.port';
import { SQL_CLIENT } from '../../src/postgres/postgres.module';
import { SqlClient } from '../../src/postgres/sql-client';
import { PersonalDataVault } from '../../src/privacy/personal-data-vault';
import { RunningApp, startApp } from '../support/app';
import { touchpoints } from '../support/touchpoints';
import { buildService } from '../crash/service-process';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

const masterKey = (kid: string) => `${kid}:${randomBytes(32).toString('base64')}`;

async function runJob(running: RunningApp, job: string) {
  const started = await running.http().post(`/v1/admin/privacy/${job}`).expect(202);
  expect(started.body.job).toMatchObject({ kind: job, state: 'running' });
  for (let waited = 0; ; waited += 50) {
    const { body } = await running.http().get('/v1/admin/privacy').expect(200);
    if (body.job.state !== 'running') return body;
    expect(waited).toBeLessThan(30_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The operator jobs of personal data, through the admin API, on the embedded default. */
describe('personal-data jobs (e2e)', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'cle-privacy-jobs-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('rotate-master rewraps every data key, after which the old master key can go', async () => {
    const [old, current] = [masterKey('old'), masterKey('new')];
    const customers = Array.from({ length: 12 }, () => `c-${randomUUID()}`);
    let running = await startApp({ PII_MASTER_KEYS: old }, folder);
    for (const customerId of customers)
      await running
        .http()
        .post('/v1/touchpoints')
        .send(touchpoints.prospect(customerId))
        .expect(201);
    await running.close();

    running = await startApp({ PII_MASTER_KEYS: `${current},${old}` }, folder);
    try {
      const done = await runJob(running, 'rotate-master');
      expect(done).toMatchObject({
        currentMasterKey: 'new',
        keys: { active: 12, shredded: 0 },
        job: { kind: 'rotate-master', state: 'done', total: 12, processed: 12, changed: 12 },
      });
      // Nothing left to rotate the second time.
      expect((await runJob(running, 'rotate-master')).job).toMatchObject({ changed: 0 });
    } finally {
      await running.close();
    }

    running = await startApp({ PII_MASTER_KEYS: current }, folder);
    try {
      for (const customerId of customers) {
        const { body } = await running
          .http()
          .get(`/v1/customers/${customerId}/events`)
          .set('X-Purpose', 'TEST-AUDIT-1')
          .expect(200);
        expect(body.events[0].data.fullName).toBe('Li Wei');
      }
    } finally {
      await running.close();
    }
  });

  it('encrypt-existing seals what an earlier version stored in plain text, erased customers as erased', async () => {
    const running = await startApp({}, folder);
    try {
      const store = running.app.get<EventStore>(EVENT_STORE);
      // As an earlier version stored them: personal fields in plain text.
      const [kept, erased] = [`c-${randomUUID()}`, `c-${randomUUID()}`];
      const plain = { kept: touchpoints.prospect(kept), erased: touchpoints.prospect(erased) };
      await store.appendToStream(
        customerStreamId(kept),
        [eventToAppend({ version: 1, ...plain.kept })],
        'no_stream',
      );
      await store.appendToStream(
        customerStreamId(erased),
        [eventToAppend({ version: 1, ...plain.erased })],
        'no_stream',
      );
      const erasureId = randomUUID();
      await running.app.get(PersonalDataVault).shred(erased, {
        shreddedAt: new Date().toISOString(),
        reason: 'customer-request',
        erasureEventId: erasureId,
      });
      // Erased before keys existed: an erasure event in the stream, and no tombstone.
      const early = `c-${randomUUID()}`;
      const earlyErasure = {
        eventId: randomUUID(),
        type: 'PersonalDataErased',
        version: 1,
        occurredAt: '2026-01-20T00:00:00Z',
        data: { requestId: 'dsr-early', reason: 'customer-request' },
        metadata: {},
      };
      await store.appendToStream(
        customerStreamId(early),
        [eventToAppend({ version: 1, ...touchpoints.prospect(early) }), earlyErasure],
        'no_stream',
      );
      // A resend of a touchpoint stored in plain text is still a duplicate.
      await running.http().post('/v1/touchpoints').send(plain.kept).expect(200);
      const sql = running.app.get<symbol, SqlClient>(SQL_CLIENT);
      // An earlier version kept no hash chain either (the backfill chains them afterwards).
      const streams = [customerStreamId(kept), customerStreamId(erased), customerStreamId(early)];
      await sql.query('UPDATE es_events SET hash = NULL WHERE stream_id = ANY($1)', [streams]);
      await sql.query('UPDATE es_streams SET head_hash = NULL WHERE stream_id = ANY($1)', [
        streams,
      ]);
      const plainRows = () =>
        sql.query(`SELECT 1 FROM es_events WHERE data ? 'fullName' AND stream_id = ANY($1)`, [
          [customerStreamId(kept), customerStreamId(erased), customerStreamId(early)],
        ]);
      expect(await plainRows()).toHaveLength(3);

      const done = await runJob(running, 'encrypt-existing');
      expect(done.job).toMatchObject({ kind: 'encrypt-existing', state: 'done', changed: 3 });
      expect(await plainRows()).toHaveLength(0);

      const keptEvents = await running
        .http()
        .get(`/v1/customers/${kept}/events`)
        .set('X-Purpose', 'TEST-AUDIT-1')
        .expect(200);
      expect(keptEvents.body.events[0].data).toEqual(plain.kept.data);
      const erasedEvents = await running
        .http()
        .get(`/v1/customers/${erased}/events`)
        .set('X-Purpose', 'TEST-AUDIT-1')
        .expect(200);
      expect(erasedEvents.body.events[0].data.fullName).toEqual({
        erased: true,
        erasedBy: erasureId,
      });
      const earlyEvents = await running
        .http()
        .get(`/v1/customers/${early}/events`)
        .set('X-Purpose', 'TEST-AUDIT-1')
        .expect(200);
      expect(earlyEvents.body.events[0].data.fullName).toEqual({
        erased: true,
        erasedBy: earlyErasure.eventId,
      });
      // A resend of the original is still the same event.
      await running.http().post('/v1/touchpoints').send(plain.kept).expect(200);
      // Nothing left in plain text: a second run changes nothing.
      expect((await runJob(running, 'encrypt-existing')).job).toMatchObject({
        total: 0,
        changed: 0,
      });
    } finally {
      await running.close();
    }
  });

  it('is run by the privacy CLI, which follows the job to its end', async () => {
    buildService();
    const running = await startApp({}, folder);
    try {
      await running
        .http()
        .post('/v1/touchpoints')
        .send(touchpoints.prospect(`c-${randomUUID()}`))
        .expect(201);
      const { port } = running.app.getHttpServer().address() as AddressInfo;
      const cli = (...args: string[]) =>
        run(process.execPath, [
          join(ROOT, 'dist', 'scripts', 'privacy.js'),
          ...args,
          '--url',
          `http://127.0.0.1:${port}`,
        ])
          .then(({ stdout }) => ({ code: 0, stdout, stderr: '' }))
          .catch((error: { code: number; stdout: string; stderr: string }) => error);
      const done = await cli('rotate-master');
      expect(done).toMatchObject({ code: 0 });
      expect(done.stdout).toMatch(/rotate-master: done, 1\/1 looked at, 0 changed/);
      const status = await cli('status');
      expect(JSON.parse(status.stdout)).toMatchObject({ keys: { active: 1, shredded: 0 } });
      const wrong = await cli('forget-everything');
      expect(wrong).toMatchObject({ code: 2 });
      expect(wrong.stderr).toMatch(/unknown command forget-everything/);
    } finally {
      await running.close();
    }
  }, 120_000);

  it('without the master key that wrapped a customer’s key: audit reads say so, her writes wait', async () => {
    const customerId = `c-${randomUUID()}`;
    let running = await startApp({ PII_MASTER_KEYS: masterKey('gone') }, folder);
    await running.http().post('/v1/touchpoints').send(touchpoints.prospect(customerId)).expect(201);
    await running.close();
    running = await startApp({ PII_MASTER_KEYS: masterKey('other') }, folder);
    try {
      const { body } = await running
        .http()
        .get(`/v1/customers/${customerId}/events`)
        .set('X-Purpose', 'TEST-AUDIT-1')
        .expect(200);
      expect(body.events[0].data.fullName).toEqual({
        unreadable: expect.stringMatching(/master key gone is not configured/),
      });
      const update = {
        eventId: randomUUID(),
        customerId,
        type: 'ProfileUpdated',
        occurredAt: '2026-01-07T09:00:00Z',
        data: { channel: 'branch', fullName: 'Li Wei-Zhang' },
        metadata: { sourceSystem: 'branch-crm' },
      };
      const refused = await running.http().post('/v1/touchpoints').send(update).expect(503);
      expect(refused.body).toMatchObject({ status: 'failed', rule: 'key-unavailable' });
    } finally {
      await running.close();
    }
  });

  it('refuses an unknown job with 404', async () => {
    const running = await startApp({}, folder);
    try {
      await running.http().post('/v1/admin/privacy/forget-everything').expect(404);
    } finally {
      await running.close();
    }
  });
});
