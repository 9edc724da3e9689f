import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSTEM_TOUCHPOINT_TYPES } from '../../src/domain/touchpoints';
import { SimulatedTouchpoint, simulateTouchpoints } from '../../src/simulator';
import { buildService } from '../crash/service-process';
import { RunningApp, startApp } from '../support/app';
import { runBuiltCli } from '../support/cli';

jest.setTimeout(300_000);

const POLICY_DIR = join(__dirname, '..', '..', 'policy');
const v2 = JSON.parse(readFileSync(join(POLICY_DIR, 'retail-bank.v2.json'), 'utf8'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const AUDIT = { 'X-Purpose': 'TEST-AUDIT-1' };

/**
 * docs/architecture.md rule 6 across a policy change: a second policy version is activated midway through
 * a simulated history. Each event is projected under the policy in force at its position, so a
 * rebuild reproduces the live read models byte for byte, and a replay as of an instant before
 * the activation still gives the answer recorded then.
 */
describe('policy versions activated by events (e2e)', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ SCHEDULER_INTERVAL_MS: '86400000' });
  });
  afterAll(() => running.close());

  const post = async (batch: readonly SimulatedTouchpoint[]): Promise<string> => {
    const { body } = await running
      .http()
      .post('/v1/touchpoints')
      .send({ touchpoints: batch })
      .expect(200);
    expect(body.invalid + body.rejected + body.conflict + body.failed).toBe(0);
    return body.position as string;
  };
  const ingest = async (touchpoints: readonly SimulatedTouchpoint[]) => {
    let position = '0';
    for (let start = 0; start < touchpoints.length; start += 200)
      position = (await post(touchpoints.slice(start, start + 200))) ?? position;
    return position;
  };
  const caughtUp = async (position: string) =>
    running.http().get(`/v1/stats/funnel?minPosition=${position}`).expect(200);

  const documents = async (): Promise<Map<string, string>> => {
    const found = new Map<string, string>();
    let cursor: string | undefined;
    do {
      const { body } = await running
        .http()
        .get(`/v1/customers?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
        .expect(200);
      for (const { customerId } of body.customers as { customerId: string }[])
        found.set(customerId, (await running.http().get(`/v1/customers/${customerId}`)).text);
      cursor = body.nextCursor;
    } while (cursor);
    return found;
  };
  const transitions = async () =>
    (
      await running
        .http()
        .get('/v1/stats/transitions?from=1970-01-01T00:00:00Z&to=2100-01-01T00:00:00Z')
    ).text;
  const feed = async () => {
    const pages: string[] = [];
    let cursor = '';
    for (;;) {
      const { text } = await running
        .http()
        .get(`/v1/feed?limit=1000${cursor ? `&after=${cursor}` : ''}`);
      const page = JSON.parse(text) as { messages: unknown[]; nextCursor: string };
      if (page.messages.length === 0) return pages.join('\n');
      pages.push(text);
      cursor = page.nextCursor;
    }
  };

  it('projects each event under the policy in force at it: rebuild = live, replay before = then', async () => {
    const touchpoints = [...simulateTouchpoints({ customers: 120, seed: 5, days: 540 })].filter(
      (touchpoint) => !SYSTEM_TOUCHPOINT_TYPES.includes(touchpoint.type),
    );
    const half = Math.floor(touchpoints.length / 2);
    const { body: first } = await running.http().get('/v1/admin/policies').expect(200);
    expect(first).toMatchObject({
      inForce: 'retail-bank.v1',
      activations: [{ policyVersion: 'retail-bank.v1', file: 'retail-bank.v1.json' }],
    });

    await caughtUp(await ingest(touchpoints.slice(0, half)));
    const before = new Date().toISOString();
    await sleep(20);
    const customers = [...new Set(touchpoints.map((touchpoint) => touchpoint.customerId))];
    const sample = customers.slice(0, 25);
    const recordedThen = new Map<string, unknown>();
    for (const customerId of sample) {
      const { body } = await running
        .http()
        .get(`/v1/customers/${customerId}/replay?asOf=${before}`)
        .set(AUDIT);
      if (body.customer) recordedThen.set(customerId, body);
    }
    expect(recordedThen.size).toBeGreaterThan(10);

    // Refused: invalid, then already in force.
    const invalid = await running
      .http()
      .post('/v1/admin/policies')
      .send({
        file: 'bad.json',
        policy: { ...v2, churnRisk: { ...v2.churnRisk, atRiskScore: -1 } },
      })
      .expect(400);
    expect(invalid.body.errors[0].field).toBe('policy.churnRisk.atRiskScore');
    const activated = await running
      .http()
      .post('/v1/admin/policies')
      .send({ file: 'retail-bank.v2.json', policy: v2 })
      .expect(201);
    expect(activated.body).toMatchObject({
      policyVersion: 'retail-bank.v2',
      file: 'retail-bank.v2.json',
    });
    await running
      .http()
      .post('/v1/admin/policies')
      .send({ file: 'retail-bank.v2.json', policy: v2 })
      .expect(409);
    await running
      .http()
      .post('/v1/admin/policies')
      .send({
        file: 'v2-changed.json',
        policy: { ...v2, churnRisk: { ...v2.churnRisk, atRiskScore: 50 } },
      })
      .expect(409);

    await caughtUp(await ingest(touchpoints.slice(half)));
    const live = await documents();
    const liveTransitions = await transitions();
    const liveFeed = await feed();
    // The switch is visible: documents derived after it name v2, others still v1.
    const versions = new Set([...live.values()].map((text) => JSON.parse(text).policyVersion));
    expect(versions).toContain('retail-bank.v2');
    expect(liveFeed).toContain('retail-bank.v2');

    const started = await running
      .http()
      .post('/v1/admin/projections/customers/rebuild')
      .expect(202);
    const generation = started.body.rebuild.generation;
    for (let i = 0; i < 1200; i++) {
      const { body } = await running.http().get('/v1/admin/projections').expect(200);
      const [status] = body.projections;
      if (status.generation === generation && status.rebuild?.state === 'switched') break;
      await sleep(100);
    }
    const rebuilt = await documents();
    expect([...rebuilt.keys()].sort()).toEqual([...live.keys()].sort());
    for (const [customerId, text] of live) expect(rebuilt.get(customerId)).toBe(text);
    expect(await transitions()).toBe(liveTransitions);
    expect(await feed()).toBe(liveFeed);

    for (const [customerId, then] of recordedThen) {
      const { body } = await running
        .http()
        .get(`/v1/customers/${customerId}/replay?asOf=${before}`)
        .set(AUDIT)
        .expect(200);
      expect(body).toEqual(then);
      expect(body.policyVersions).toEqual(['retail-bank.v1']);
    }
    // Now: each event under its own version, both named.
    const changed = [...live.entries()].find(
      ([, text]) => JSON.parse(text).policyVersion === 'retail-bank.v2',
    )![0];
    const { body: now } = await running.http().get(`/v1/customers/${changed}/replay`).set(AUDIT);
    expect(now.policyVersions).toEqual(['retail-bank.v1', 'retail-bank.v2']);

    const { body: history } = await running.http().get('/v1/admin/policies').expect(200);
    expect(history.inForce).toBe('retail-bank.v2');
    expect(history.activations.map((a: { policyVersion: string }) => a.policyVersion)).toEqual([
      'retail-bank.v1',
      'retail-bank.v2',
    ]);
  });
});

const runPolicyCli = async (args: readonly string[]) => {
  const { code, stdout, stderr } = await runBuiltCli('policy', args);
  return { code, out: stdout + stderr };
};

describe('npm run policy against a running service', () => {
  let running: RunningApp;
  let url: string;
  beforeAll(async () => {
    buildService();
    running = await startApp({ SCHEDULER_INTERVAL_MS: '86400000' });
    url = `http://127.0.0.1:${running.app.getHttpServer().address().port}`;
  });
  afterAll(() => running.close());

  it('activates a file, lists the versions, refuses an invalid file or a repeat, 2 on bad usage', async () => {
    const v2File = join(POLICY_DIR, 'retail-bank.v2.json');
    let run = await runPolicyCli(['activate', v2File, '--url', url]);
    expect(run).toMatchObject({ code: 0 });
    expect(run.out).toMatch(
      /^activated retail-bank\.v2 \(retail-bank\.v2\.json\) from position \d+/,
    );

    run = await runPolicyCli(['activate', v2File, '--url', url]);
    expect(run.code).toBe(1);
    expect(run.out).toContain('(409): policy retail-bank.v2 is already in force');

    const folder = mkdtempSync(join(tmpdir(), 'cle-policy-'));
    const bad = join(folder, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...v2, policyVersion: 'x', lifecycle: {} }));
    run = await runPolicyCli(['activate', bad, '--url', url]);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/bad\.json is not a valid policy: policy field "lifecycle\./);
    rmSync(folder, { recursive: true, force: true });

    run = await runPolicyCli(['list', '--url', url]);
    expect(run.code).toBe(0);
    expect(run.out.trim().split('\n')).toEqual([
      expect.stringMatching(/^retail-bank\.v1 \(retail-bank\.v1\.json\) from position \d+/),
      expect.stringMatching(/^retail-bank\.v2 \(retail-bank\.v2\.json\) from position \d+/),
      'in force: retail-bank.v2',
    ]);
    expect((await runPolicyCli(['activate'])).code).toBe(2);
  });
});
