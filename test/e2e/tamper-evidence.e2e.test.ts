import { createPublicKey, randomUUID, verify } from 'node:crypto';
import { canonicalize } from 'json-canonicalize';
import { SqlClient } from '../../src/postgres/sql-client';
import { SQL_CLIENT } from '../../src/postgres/postgres.module';
import { headLeaf } from '../../src/tamper-evidence/checkpoint';
import { verifyAuditPath } from '../../src/tamper-evidence/merkle';
import { RunningApp, startApp } from '../support/app';
import { runBuiltCli } from '../support/cli';
import { describeWithServer, freshPostgresDatabase, POSTGRES } from '../support/servers';
import { touchpoints } from '../support/touchpoints';
import { buildService } from '../crash/service-process';

jest.setTimeout(120_000);

/** Only checkpoints asked for: none by count or time during a test. */
const QUIET = {
  AUDIT_CHECKPOINT_EVERY_EVENTS: '10000000',
  AUDIT_CHECKPOINT_INTERVAL_MS: '86400000',
};

interface Failure {
  streamId: string;
  revision: number;
  kind: string;
  checkpoint?: number;
}

const stream = (customerId: string) => `customer-${customerId}`;

async function post(running: RunningApp, body: object): Promise<string> {
  const answer = await running.http().post('/v1/touchpoints').send(body).expect(201);
  return answer.body.position as string;
}

async function recordCheckpoint(running: RunningApp) {
  const answer = await running.http().post('/v1/admin/audit-checkpoints').expect(200);
  return answer.body as { recorded: number; latest: { sequence: number; position: string } };
}

async function verifyStore(running: RunningApp) {
  await running.http().post('/v1/audit/verify').expect(202);
  for (;;) {
    const { body } = await running.http().get('/v1/audit/verify').expect(200);
    if (body.job.state !== 'running') return body.job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const summary = (failures: readonly Failure[]) =>
  failures
    .map(({ streamId, revision, kind, checkpoint }) => ({
      streamId,
      revision,
      kind,
      ...(checkpoint === undefined ? {} : { checkpoint }),
    }))
    .sort((a, b) =>
      a.streamId === b.streamId
        ? a.revision - b.revision || a.kind.localeCompare(b.kind)
        : a.streamId < b.streamId
          ? -1
          : 1,
    );

function tamperSuite(open: () => Promise<{ running: RunningApp; close(): Promise<void> }>) {
  let running: RunningApp;
  let close: () => Promise<void>;
  let sql: SqlClient;
  beforeEach(async () => {
    ({ running, close } = await open());
    sql = running.app.get<symbol, SqlClient>(SQL_CLIENT);
  });
  afterEach(() => close());

  it('chains every event, signs checkpoints anyone can check, and proves a customer in them', async () => {
    const customer = `c-${randomUUID()}`;
    await post(running, touchpoints.prospect(customer));
    const position = await post(running, touchpoints.productOpened(customer, 'acc-1'));
    // Readable: a reader sees a position once every transaction before it has ended, and on a
    // busy server another transaction may still run when the append is acknowledged.
    await running.http().get(`/v1/customers/${customer}?minPosition=${position}`).expect(200);
    const recorded = await recordCheckpoint(running);
    expect(recorded.recorded).toBe(1);
    // Nothing new: no second checkpoint.
    expect((await recordCheckpoint(running)).recorded).toBe(0);

    const { body: list } = await running.http().get('/v1/audit/checkpoints').expect(200);
    expect(list.latest).toEqual({ sequence: 1, verified: true });
    const [checkpoint] = list.checkpoints;
    expect(checkpoint).toMatchObject({ sequence: 1, previous: '0'.repeat(64), keyId: list.keyId });
    // An outside party needs only the public key and the RFC 8785 payload.
    const { signature, eventId, eventPosition, eventHash, ...payload } = checkpoint;
    expect([eventId, eventPosition, eventHash].every((value) => typeof value === 'string')).toBe(
      true,
    );
    expect(
      verify(
        null,
        Buffer.from(canonicalize(payload)),
        createPublicKey(list.publicKey),
        Buffer.from(signature, 'base64'),
      ),
    ).toBe(true);

    const { body: verdict } = await running
      .http()
      .get(`/v1/audit/customers/${customer}/verify`)
      .expect(200);
    expect(verdict).toMatchObject({ passed: true, events: 2, failures: [] });
    expect(verdict.head.revision).toBe(1);
    expect(verdict.proof.leaf).toEqual({
      streamId: stream(customer),
      revision: 1,
      hash: verdict.head.hash,
    });
    expect(
      verifyAuditPath(
        headLeaf(verdict.proof.leaf),
        verdict.proof.leafIndex,
        verdict.proof.treeSize,
        verdict.proof.path,
        checkpoint.root,
      ),
    ).toBe(true);
    // The proof does not fit another head.
    expect(
      verifyAuditPath(
        headLeaf({ ...verdict.proof.leaf, revision: 0 }),
        verdict.proof.leafIndex,
        verdict.proof.treeSize,
        verdict.proof.path,
        checkpoint.root,
      ),
    ).toBe(false);

    const job = await verifyStore(running);
    expect(job).toMatchObject({ kind: 'verify', state: 'passed' });
    expect(job.report).toMatchObject({
      passed: true,
      events: 4, // two of the customer's, the first policy activation, one checkpoint
      failures: [],
      trustedCheckpoint: { sequence: 1 },
    });
    await running.http().get(`/v1/audit/customers/c-${randomUUID()}/verify`).expect(404);

    // A second checkpoint: one head moved, one stream new; its tree is kept leaf by leaf and
    // must equal what verification rebuilds from the stored heads.
    const newcomer = `c-${randomUUID()}`;
    await post(running, touchpoints.productOpened(customer, 'acc-2'));
    await post(running, touchpoints.prospect(newcomer));
    expect((await recordCheckpoint(running)).latest.sequence).toBe(2);
    const again = await verifyStore(running);
    expect(again.report).toMatchObject({ passed: true, trustedCheckpoint: { sequence: 2 } });
    const { body: list2 } = await running.http().get('/v1/audit/checkpoints').expect(200);
    for (const who of [customer, newcomer]) {
      const { body } = await running.http().get(`/v1/audit/customers/${who}/verify`).expect(200);
      expect(body.passed).toBe(true);
      expect(
        verifyAuditPath(
          headLeaf(body.proof.leaf),
          body.proof.leafIndex,
          body.proof.treeSize,
          body.proof.path,
          list2.checkpoints[1].root,
        ),
      ).toBe(true);
    }

    // The checkpoint goes out on the feed, without the heads.
    let messages: { topic: string; data: Record<string, unknown> }[] = [];
    for (let tries = 0; tries < 100; tries++) {
      const { body } = await running
        .http()
        .get('/v1/feed?topic=crm.audit-checkpoints.v1')
        .expect(200);
      messages = body.messages;
      if (messages.length >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(messages).toHaveLength(2);
    expect(messages[0].data).toEqual({ ...payload, signature });
  });

  it('names each stream and revision edited, deleted, inserted or reordered with SQL', async () => {
    const [edited, gap, tail, inserted, reordered, untouched] = Array.from(
      { length: 6 },
      () => `c-${randomUUID()}`,
    );
    for (const customer of [edited, gap, tail, inserted, reordered, untouched]) {
      await post(running, touchpoints.prospect(customer));
      await post(running, touchpoints.productOpened(customer, 'acc-1'));
    }
    await post(running, touchpoints.productOpened(gap, 'acc-2'));
    await post(running, touchpoints.productOpened(inserted, 'acc-2'));
    await post(running, touchpoints.productOpened(untouched, 'acc-2'));
    await recordCheckpoint(running);
    // After the checkpoint: not covered, still chained.
    await post(running, touchpoints.productOpened(untouched, 'acc-3'));
    expect((await verifyStore(running)).state).toBe('passed');

    await sql.query(
      `UPDATE es_events SET data = jsonb_set(data, '{segment}', '"private-banking"') WHERE stream_id = $1 AND revision = 0`,
      [stream(edited)],
    );
    await sql.query('DELETE FROM es_events WHERE stream_id = $1 AND revision = 1', [stream(gap)]);
    await sql.query('DELETE FROM es_events WHERE stream_id = $1 AND revision = 1', [stream(tail)]);
    await sql.query(
      `INSERT INTO es_events (position, stream_id, revision, event_id, type, version, occurred_at, data, metadata, hash)
       SELECT position + 1, stream_id, revision + 1, $2::uuid, type, version, occurred_at, data, metadata, hash
         FROM es_events WHERE stream_id = $1 AND revision = 2`,
      [stream(inserted), randomUUID()],
    );
    const [first, second] = await sql.query<{ position: string }>(
      'SELECT position::text AS position FROM es_events WHERE stream_id = $1 ORDER BY revision',
      [stream(reordered)],
    );
    await sql.query('UPDATE es_events SET position = -1 WHERE position = $1', [first.position]);
    await sql.query('UPDATE es_events SET position = $1 WHERE position = $2', [
      first.position,
      second.position,
    ]);
    await sql.query('UPDATE es_events SET position = $1 WHERE position = -1', [second.position]);

    const job = await verifyStore(running);
    expect(job.state).toBe('failed');
    expect(summary(job.report.failures)).toEqual(
      summary([
        { streamId: stream(edited), revision: 0, kind: 'edited' },
        { streamId: stream(gap), revision: 1, kind: 'missing' },
        { streamId: stream(tail), revision: 1, kind: 'missing', checkpoint: 1 },
        { streamId: stream(inserted), revision: 3, kind: 'inserted', checkpoint: 1 },
        { streamId: stream(reordered), revision: 1, kind: 'reordered' },
      ]),
    );
    expect(job.report.failureCount).toBe(5);

    // One stream at a time, over HTTP, says the same of its own stream.
    const { body: one } = await running
      .http()
      .get(`/v1/audit/customers/${tail}/verify`)
      .expect(200);
    expect(one.passed).toBe(false);
    expect(summary(one.failures)).toEqual([
      { streamId: stream(tail), revision: 1, kind: 'missing', checkpoint: 1 },
    ]);
    const { body: fine } = await running
      .http()
      .get(`/v1/audit/customers/${untouched}/verify`)
      .expect(200);
    expect(fine).toMatchObject({ passed: true, events: 4 });
  });

  it('catches an edited checkpoint: its signature, or heads that do not give its root', async () => {
    const customer = `c-${randomUUID()}`;
    await post(running, touchpoints.prospect(customer));
    await recordCheckpoint(running);
    await sql.query(
      `UPDATE es_events SET data = jsonb_set(data, '{heads,0,1}', '7')
        WHERE stream_id = 'audit-checkpoints' AND revision = 0`,
    );
    let job = await verifyStore(running);
    expect(summary(job.report.failures)).toEqual([
      { streamId: 'audit-checkpoints', revision: 0, kind: 'checkpoint-mismatch', checkpoint: 1 },
      { streamId: 'audit-checkpoints', revision: 0, kind: 'edited' },
    ]);

    await sql.query(
      `UPDATE es_events SET data = jsonb_set(data, '{position}', '"1"')
        WHERE stream_id = 'audit-checkpoints' AND revision = 0`,
    );
    job = await verifyStore(running);
    expect(summary(job.report.failures)).toEqual([
      { streamId: 'audit-checkpoints', revision: 0, kind: 'bad-signature', checkpoint: 1 },
      { streamId: 'audit-checkpoints', revision: 0, kind: 'edited' },
    ]);
    expect(job.report.trustedCheckpoint).toBeNull();
  });

  it('backfills events stored before the chain, once, and records it', async () => {
    const customer = `c-${randomUUID()}`;
    await post(running, touchpoints.prospect(customer));
    await post(running, touchpoints.productOpened(customer, 'acc-1'));
    // As an earlier version stored them.
    await sql.query('UPDATE es_events SET hash = NULL WHERE stream_id = $1', [stream(customer)]);
    await sql.query('UPDATE es_streams SET head_hash = NULL WHERE stream_id = $1', [
      stream(customer),
    ]);
    // Appends to an unchained stream stay unchained until the backfill; a checkpoint made
    // meanwhile covers what is chained, and names nothing unchained as inserted.
    await post(running, touchpoints.productOpened(customer, 'acc-2'));
    expect((await recordCheckpoint(running)).recorded).toBe(1);
    let job = await verifyStore(running);
    expect(summary(job.report.failures)).toEqual(
      [0, 1, 2].map((revision) => ({ streamId: stream(customer), revision, kind: 'unchained' })),
    );

    await running.http().post('/v1/admin/hash-chain/backfill').expect(202);
    for (;;) {
      const { body } = await running.http().get('/v1/audit/verify').expect(200);
      if (body.job.state !== 'running') {
        expect(body.job).toMatchObject({ kind: 'backfill', state: 'done' });
        expect(body.job.backfill).toMatchObject({ events: 3, streams: 1 });
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // The backfill's own checkpoint covers the streams it chained.
    job = await verifyStore(running);
    expect(job.report).toMatchObject({
      passed: true,
      failures: [],
      trustedCheckpoint: { sequence: 2 },
    });
    const { body: proof } = await running
      .http()
      .get(`/v1/audit/customers/${customer}/verify`)
      .expect(200);
    expect(proof).toMatchObject({ passed: true, proof: { leaf: { revision: 2 } } });
    await post(running, touchpoints.productOpened(customer, 'acc-3'));
    job = await verifyStore(running);
    expect(job.report).toMatchObject({ passed: true, failures: [] });
    expect(job.report.backfills).toEqual([
      expect.objectContaining({ events: 3, streams: 1, upToPosition: expect.any(String) }),
    ]);
  });
}

describe('tamper evidence on the embedded default (PGlite)', () => {
  tamperSuite(async () => {
    const running = await startApp(QUIET);
    return { running, close: () => running.close() };
  });
});

describeWithServer(POSTGRES, 'tamper evidence on the PostgreSQL server', (url) => {
  tamperSuite(async () => {
    const database = await freshPostgresDatabase(url);
    const running = await startApp({ ...QUIET, DATABASE_URL: database.url });
    return {
      running,
      close: async () => {
        await running.close();
        await database.drop();
      },
    };
  });
});

const runVerifyCli = (args: readonly string[]) => runBuiltCli('verify', args);

describe('npm run verify against a running service', () => {
  let running: RunningApp;
  beforeAll(async () => {
    buildService();
    running = await startApp(QUIET);
  });
  afterAll(() => running.close());

  it('exits 0 with a report, 1 naming the stream and revision altered, 2 on a bad command line', async () => {
    const customer = `c-${randomUUID()}`;
    await post(running, touchpoints.prospect(customer));
    await recordCheckpoint(running);
    const url = `http://127.0.0.1:${running.app.getHttpServer().address().port}`;
    let run = await runVerifyCli(['--url', url, '--interval-ms', '50']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^PASSED: 3 events in 2 streams, 1 checkpoints, \d+ events\/s$/m);
    expect(run.stdout).toContain('compared with signed checkpoint 1');

    await running.app
      .get<symbol, SqlClient>(SQL_CLIENT)
      .query(
        `UPDATE es_events SET occurred_at = occurred_at - interval '1 day' WHERE stream_id = $1`,
        [stream(customer)],
      );
    run = await runVerifyCli(['--url', url, '--interval-ms', '50']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAILED/);
    expect(run.stdout).toContain(`edited              ${stream(customer)} revision 0:`);

    expect((await runVerifyCli(['--bogus'])).code).toBe(2);
  });
});
