import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildService, ServiceProcess } from '../crash/service-process';
import { touchpoints } from '../support/touchpoints';
import { canMount, TestVolume } from './mounts';

const port = () => 33000 + Math.floor(Math.random() * 2000);
const post = (url: string, body: unknown) =>
  fetch(`${url}/v1/touchpoints`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const eventsOf = async (url: string, customerId: string) => {
  const response = await fetch(`${url}/v1/customers/${customerId}/events`, {
    headers: { 'x-purpose': 'TEST-AUDIT-1' },
  });
  return response.status === 200 ? ((await response.json()) as { events: unknown[] }).events : [];
};
const lines = (text: string) => text.trim().split('\n').filter(Boolean);

/**
 * The embedded default's data folder, with real service processes: one owner per folder, a
 * restart after SIGKILL that neither waits nor loses what was acknowledged, and start-up
 * refusals of one line naming the folder and the cause.
 */
describe('embedded data folder (real processes)', () => {
  const folders: string[] = [];
  const processes: ServiceProcess[] = [];
  const service = (environment: Record<string, string>, cwd?: string) => {
    const started = new ServiceProcess(port(), environment, cwd);
    processes.push(started);
    return started;
  };
  const folder = () => {
    const created = mkdtempSync(join(tmpdir(), 'cle-datadir-'));
    folders.push(created);
    return created;
  };

  beforeAll(() => buildService(), 120_000);
  afterAll(async () => {
    for (const running of processes) await running.kill();
    for (const created of folders) rmSync(created, { recursive: true, force: true });
  }, 60_000);

  it('refuses a second process on the same DATA_DIR with one line naming the folder and the owner, and leaves the first unharmed', async () => {
    const dataDir = folder();
    const owner = service({ DATA_DIR: dataDir });
    await owner.start();
    const first = `c-${randomUUID()}`;
    expect((await post(owner.url, touchpoints.prospect(first))).status).toBe(201);

    const second = await service({ DATA_DIR: dataDir }).startRefused();
    expect(second.code).not.toBe(0);
    expect(lines(second.stderr)).toHaveLength(1);
    expect(second.stderr).toContain(`DATA_DIR ${dataDir} is in use by process ${owner.pid}`);

    const later = `c-${randomUUID()}`;
    expect((await post(owner.url, touchpoints.prospect(later))).status).toBe(201);
    expect(await eventsOf(owner.url, first)).toHaveLength(1);
    expect(await eventsOf(owner.url, later)).toHaveLength(1);
    await owner.stop();
  }, 90_000);

  it('after a SIGKILL of the owner, a restart takes the folder and the projection lease at once, with every acknowledged event', async () => {
    const dataDir = folder();
    const owner = service({ DATA_DIR: dataDir, PROJECTION_LEASE_TTL_MS: '15000' });
    await owner.start();
    const customers = Array.from({ length: 20 }, () => `c-${randomUUID()}`);
    for (const customerId of customers) {
      expect((await post(owner.url, touchpoints.prospect(customerId))).status).toBe(201);
    }
    await owner.kill();

    const restarted = service({ DATA_DIR: dataDir, PROJECTION_LEASE_TTL_MS: '15000' });
    await restarted.start();
    // Without proof of the old owner's death this would wait out its 15 s lease: 409 here.
    const rebuild = await fetch(`${restarted.url}/v1/admin/projections/customers/rebuild`, {
      method: 'POST',
    });
    expect(rebuild.status).toBe(202);
    for (const customerId of customers) {
      expect(await eventsOf(restarted.url, customerId)).toHaveLength(1);
    }
    await restarted.stop();
  }, 120_000);

  it('fsyncs every acknowledged commit (PGlite ships with fsync off)', async () => {
    const running = service({ DATA_DIR: folder() });
    await running.start();
    const fsyncs = async () =>
      Number(
        /^cle_embedded_fsyncs_total (\d+)$/m.exec(
          await (await fetch(`${running.url}/metrics`)).text(),
        )?.[1],
      );
    const before = await fsyncs();
    const appends = 10;
    for (let i = 0; i < appends; i++) {
      expect((await post(running.url, touchpoints.prospect(`c-${randomUUID()}`))).status).toBe(201);
    }
    expect((await fsyncs()) - before).toBeGreaterThanOrEqual(appends);
    await running.stop();
  }, 90_000);

  it('refuses a data folder that holds something other than an embedded database', async () => {
    const dataDir = folder();
    mkdirSync(join(dataDir, 'pglite'));
    writeFileSync(join(dataDir, 'pglite', 'notes.txt'), 'not a database');
    const refused = await service({ DATA_DIR: dataDir }).startRefused();
    expect(refused.code).toBe(1);
    expect(lines(refused.stderr)).toEqual([
      `DATA_DIR ${dataDir}: pglite/ holds files that are not an embedded database (no PG_VERSION); point DATA_DIR at an empty folder or at one this service created`,
    ]);
  }, 60_000);

  it('finds its bundled policy file when started from another working directory', async () => {
    const running = service({ DATA_DIR: folder() }, tmpdir());
    await running.start();
    expect((await fetch(`${running.url}/health/ready`)).status).toBe(200);
    await running.stop();
  }, 60_000);

  const withMounts = canMount() ? describe : describe.skip;
  if (!canMount()) {
    process.stderr.write(
      'skipping the small/full/read-only volume tests: mounting a tmpfs needs root\n',
    );
  }

  withMounts('on volumes the test mounts itself', () => {
    const volumes: TestVolume[] = [];
    const volume = (sizeMb: number, options = '') => {
      const mounted = TestVolume.mount(sizeMb, options)!;
      volumes.push(mounted);
      return mounted;
    };
    afterAll(async () => {
      for (const running of processes) await running.kill();
      for (const mounted of volumes) mounted.unmount();
    }, 60_000);

    it('refuses a volume too small for a new database, naming the folder and the sizes', async () => {
      const small = volume(24);
      const dataDir = join(small.path, 'data');
      const refused = await service({ DATA_DIR: dataDir }).startRefused();
      expect(refused.code).toBe(1);
      expect(lines(refused.stderr)).toHaveLength(1);
      expect(refused.stderr).toMatch(
        new RegExp(
          `^DATA_DIR ${dataDir}: only [\\d.]+ MB free on its volume; a new embedded database needs about 64.0 MB`,
        ),
      );
    }, 60_000);

    it('refuses a read-only data folder', async () => {
      const readOnly = volume(8, ',ro');
      const refused = await service({ DATA_DIR: readOnly.path }).startRefused();
      expect(refused.code).toBe(1);
      expect(lines(refused.stderr)).toEqual([
        `DATA_DIR ${readOnly.path}: cannot open .lock: the file system is read-only`,
      ]);
    }, 60_000);

    it('refuses to open a database on a full volume, and opens it once space is freed', async () => {
      const disk = volume(96);
      const dataDir = join(disk.path, 'data');
      const first = service({ DATA_DIR: dataDir });
      await first.start();
      await first.stop();
      const filler = disk.fill(4);
      const refused = await service({ DATA_DIR: dataDir }).startRefused();
      expect(refused.code).toBe(1);
      expect(lines(refused.stderr)).toHaveLength(1);
      expect(refused.stderr).toMatch(
        new RegExp(`^DATA_DIR ${dataDir}: its volume is full \\([\\d.]+ MB free, 16.0 MB needed`),
      );
      rmSync(filler);
      const again = service({ DATA_DIR: dataDir });
      await again.start();
      await again.stop();
    }, 90_000);

    it('below the free-space reserve: writes get 507 and change nothing, readiness says why, reads and liveness go on; writes resume when space returns', async () => {
      const disk = volume(128);
      const dataDir = join(disk.path, 'data');
      const running = service({ DATA_DIR: dataDir, DATA_DIR_MIN_FREE_MB: '32' });
      await running.start();
      const known = `c-${randomUUID()}`;
      expect((await post(running.url, touchpoints.prospect(known))).status).toBe(201);

      const filler = disk.fill(16);
      // The guard reads the volume at most 250 ms before a write: give it that long.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const refusedId = `c-${randomUUID()}`;
      const single = await post(running.url, touchpoints.prospect(refusedId));
      expect(single.status).toBe(507);
      expect(((await single.json()) as { message: string }).message).toContain(
        `the data volume of ${dataDir} has`,
      );
      const batch = await post(running.url, {
        touchpoints: [touchpoints.prospect(`c-${randomUUID()}`), touchpoints.prospect(refusedId)],
      });
      expect(batch.status).toBe(507);

      const ready = await fetch(`${running.url}/health/ready`);
      expect(ready.status).toBe(503);
      const readiness = (await ready.json()) as { error: { storage: { message: string } } };
      expect(readiness.error.storage.message).toContain('below the reserve of 32.0 MB');
      expect((await fetch(`${running.url}/health/live`)).status).toBe(200);
      expect(await eventsOf(running.url, known)).toHaveLength(1);
      expect(await eventsOf(running.url, refusedId)).toHaveLength(0);

      rmSync(filler);
      const deadline = Date.now() + 10_000;
      let status = 0;
      while (Date.now() < deadline && status !== 201) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        status = (await post(running.url, touchpoints.prospect(refusedId))).status;
      }
      expect(status).toBe(201);
      expect((await fetch(`${running.url}/health/ready`)).status).toBe(200);
      await running.stop();
    }, 120_000);
  });
});
