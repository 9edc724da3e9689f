import { newProspectReadBack, RunningApp, startApp } from '../support/app';
import { describeWithServer, freshPostgresDatabase, POSTGRES } from '../support/servers';
import { buildService, ServiceProcess } from './service-process';

const LEASE_TTL_MS = 2000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The projecting instance dies without a chance to release its lease (SIGKILL of the real
 * process): a follower takes over once the lease expires, and projects what arrives next.
 */
describeWithServer(POSTGRES, 'projection lease holder killed (crash)', (serverUrl) => {
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  let holder: ServiceProcess;
  let follower: RunningApp;
  const environment = () => ({
    DATABASE_URL: database.url,
    PROJECTION_LEASE_TTL_MS: String(LEASE_TTL_MS),
    READ_YOUR_WRITES_TIMEOUT_MS: '10000',
  });
  const leadership = async (url: string) =>
    (
      (await (await fetch(`${url}/v1/admin/projections`)).json()) as {
        projections: { leader: boolean; leaseHolder: string | null }[];
      }
    ).projections[0];

  beforeAll(async () => {
    buildService();
    database = await freshPostgresDatabase(serverUrl);
    holder = new ServiceProcess(31000 + Math.floor(Math.random() * 2000), environment());
    await holder.start();
    follower = await startApp(environment());
  }, 120_000);
  afterAll(async () => {
    await holder?.kill();
    await follower?.close();
    await database?.drop();
  }, 60_000);

  it('hands the projection to a follower within the lease TTL after a SIGKILL', async () => {
    expect((await leadership(holder.url)).leader).toBe(true);
    const followerUrl = `http://127.0.0.1:${follower.app.getHttpServer().address().port}`;
    expect((await leadership(followerUrl)).leader).toBe(false);

    await holder.kill();
    const killedAt = Date.now();
    let tookOverAfterMs: number | undefined;
    while (Date.now() - killedAt < LEASE_TTL_MS * 3) {
      if ((await leadership(followerUrl)).leader) {
        tookOverAfterMs = Date.now() - killedAt;
        break;
      }
      await sleep(50);
    }
    // Expiry (at most the TTL after the last renewal) plus one renewal period of the follower.
    expect(tookOverAfterMs).toBeDefined();
    expect(tookOverAfterMs!).toBeLessThan(LEASE_TTL_MS + LEASE_TTL_MS / 3 + 1000);

    const read = await newProspectReadBack(follower);
    expect(read.status).toBe(200);
  }, 60_000);
});
