import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { hashApiKey } from '../../src/security/api-keys';
import type { ProjectionStatus } from '../../src/projection-engine/projection-engine.service';
import { READ_MODEL_STORE, ReadModelStore } from '../../src/read-models/read-model-store.port';
import { buildService } from '../crash/service-process';
import { RunningApp, startApp } from '../support/app';
import { runBuiltCli } from '../support/cli';
import { touchpoints } from '../support/touchpoints';

const CUSTOMERS = 100;

const runCli = (args: readonly string[], environment: NodeJS.ProcessEnv = {}) =>
  runBuiltCli('rebuild', args, environment);

/** A port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The rebuild CLI (scripts/rebuild.ts), compiled as `npm run rebuild` runs it, against the real
 * app over HTTP: it starts a rebuild, follows it to the switch-over and summarises it, and it
 * fails with one clear line when the projection is unknown, a rebuild already runs, the rebuild
 * fails or the service cannot be reached.
 */
describe('rebuild CLI against a running service (e2e)', () => {
  let running: RunningApp;
  let url: string;
  let appended = 0;
  /** What a rebuild projects: the touchpoints and the policy activation the store began with. */
  let stored = 0;

  const projection = async (): Promise<ProjectionStatus> => {
    const response = await running.http().get('/v1/admin/projections').expect(200);
    return response.body.projections.find((p: ProjectionStatus) => p.name === 'customers');
  };

  const rebuildSettled = async (): Promise<ProjectionStatus> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const status = await projection();
      if (status.rebuild?.state !== 'running') return status;
      if (Date.now() > deadline) throw new Error('rebuild did not settle within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  /** Every customer document as the service serves it, by customer id. */
  const allDocuments = async (): Promise<Map<string, string>> => {
    const documents = new Map<string, string>();
    let cursor: string | undefined;
    do {
      const page = (
        await running
          .http()
          .get(`/v1/customers?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
          .expect(200)
      ).body as { customers: { customerId: string }[]; nextCursor?: string };
      for (const { customerId } of page.customers) {
        documents.set(
          customerId,
          (await running.http().get(`/v1/customers/${customerId}`).expect(200)).text,
        );
      }
      cursor = page.nextCursor;
    } while (cursor);
    return documents;
  };

  beforeAll(() => buildService(), 120_000);

  beforeAll(async () => {
    // No scheduler run mid-test: it would append events and change documents under the comparison.
    running = await startApp({
      SCHEDULER_INTERVAL_MS: '86400000',
      READ_YOUR_WRITES_TIMEOUT_MS: '10000',
    });
    url = `http://127.0.0.1:${(running.app.getHttpServer().address() as AddressInfo).port}`;
    const batch = Array.from({ length: CUSTOMERS }, () => `c-${randomUUID()}`).flatMap((id, i) => [
      touchpoints.prospect(id, '2026-01-05T09:00:00Z'),
      touchpoints.productOpened(id, `CUR-${i}`, '2026-01-06T10:00:00Z'),
      touchpoints.balance(id, `CUR-${i}`, String(100_000 * (i + 1)), '2026-01-07T00:00:00Z'),
    ]);
    const response = await running
      .http()
      .post('/v1/touchpoints')
      .send({ touchpoints: batch })
      .expect(200);
    appended = response.body.appended;
    expect(appended).toBe(3 * CUSTOMERS);
    stored = appended + 1;
    await running
      .http()
      .get(`/v1/customers?limit=1&minPosition=${response.body.position}`)
      .expect(200);
  });
  afterAll(() => running?.close());

  it('rebuilds into the next generation, summarises it, and the documents stay the same', async () => {
    const before = await allDocuments();
    expect(before.size).toBe(CUSTOMERS);
    const { generation } = await projection();

    const run = await runCli(['customers', '--url', url, '--interval-ms', '20']);

    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const lines = run.stdout.trim().split('\n');
    // stdout is a pipe here, so the CLI prints plain lines rather than a bar.
    expect(lines[0]).toBe(
      `rebuild of customers started: generation ${generation + 1}, ${stored} events to project`,
    );
    const summary =
      /^rebuilt customers into generation (\d+) \(collection (\S+)\): (\d+) events in \d+\.\d s, \d+ events\/s$/.exec(
        lines[lines.length - 1],
      );
    expect(summary).not.toBeNull();
    const [, summaryGeneration, collection, events] = summary!;
    expect(Number(summaryGeneration)).toBe(generation + 1);
    expect(Number(events)).toBe(stored);

    const status = await projection();
    expect(status).toMatchObject({
      generation: generation + 1,
      collection,
      lagEvents: 0,
      checkpoint: status.headPosition,
      rebuild: { generation: generation + 1, state: 'switched', processedEvents: stored },
    });
    expect(await allDocuments()).toEqual(before);
  });

  it('with --no-wait only starts the rebuild', async () => {
    const { generation } = await projection();

    const run = await runCli(['--url', url, '--no-wait']);

    expect(run).toEqual({
      code: 0,
      stdout: `rebuild of customers started: generation ${generation + 1}, ${stored} events to project\n`,
      stderr: '',
    });
    expect(await rebuildSettled()).toMatchObject({
      generation: generation + 1,
      rebuild: { state: 'switched' },
    });
  });

  it('refuses while another rebuild is running, saying so', async () => {
    // Hold a rebuild at its switch-over, so it is deterministically still running.
    const store = running.app.get<ReadModelStore>(READ_MODEL_STORE);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const original = store.setActiveCollection.bind(store);
    const spy = jest
      .spyOn(store, 'setActiveCollection')
      .mockImplementationOnce(async (logical, physical) => {
        await held;
        return original(logical, physical);
      });
    try {
      const started = await running
        .http()
        .post('/v1/admin/projections/customers/rebuild')
        .expect(202);

      const run = await runCli(['--url', url]);

      expect(run).toEqual({
        code: 1,
        stdout: '',
        stderr: `rebuild: cannot start a rebuild of customers: a rebuild into generation ${started.body.rebuild.generation} is already running\n`,
      });
    } finally {
      release();
      spy.mockRestore();
    }
    expect((await rebuildSettled()).rebuild?.state).toBe('switched');
  });

  it('exits non-zero with the reason when the rebuild fails', async () => {
    const { generation, collection } = await projection();
    const store = running.app.get<ReadModelStore>(READ_MODEL_STORE);
    const spy = jest
      .spyOn(store, 'setActiveCollection')
      .mockRejectedValueOnce(new Error('read-model store refused the switch'));
    try {
      const run = await runCli(['--url', url, '--interval-ms', '20']);

      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `rebuild: rebuild of customers into generation ${generation + 1} failed: read-model store refused the switch\n`,
      );
    } finally {
      spy.mockRestore();
    }
    expect(await projection()).toMatchObject({
      generation,
      collection,
      rebuild: { generation: generation + 1, state: 'failed' },
    });
  });

  it('names an unknown projection and exits non-zero', async () => {
    const run = await runCli(['nope', '--url', url]);

    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: 'rebuild: unknown projection "nope" (projection nope not found)\n',
    });
  });

  it('says the service cannot be reached and exits non-zero', async () => {
    const unreachable = `http://127.0.0.1:${await closedPort()}`;

    const run = await runCli(['--url', unreachable]);

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      new RegExp(`^rebuild: cannot reach the service at ${unreachable}: connect ECONNREFUSED`),
    );
  });

  it('authenticates with CLE_API_KEY to a service that asks for keys', async () => {
    const key = `cle_${randomUUID()}`;
    const keyed = await startApp({ API_KEYS: `operator:admin:${hashApiKey(key)}` });
    try {
      const keyedUrl = `http://127.0.0.1:${(keyed.app.getHttpServer().address() as AddressInfo).port}`;

      const refused = await runCli(['customers', '--url', keyedUrl, '--no-wait']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^rebuild: the service answered 401: an API key is required/);

      const run = await runCli(['customers', '--url', keyedUrl, '--no-wait'], { CLE_API_KEY: key });
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    } finally {
      await keyed.close();
    }
  });

  it('exits 2 with the usage on a bad command line', async () => {
    const run = await runCli(['--interval-ms', 'soon']);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /--interval-ms must be a positive integer, got "soon"\nusage: rebuild/,
    );
  });
});
