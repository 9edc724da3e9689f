import { newProspectReadBack, RunningApp, startApp } from '../support/app';
import { describeWithServer, freshPostgresDatabase, POSTGRES } from '../support/servers';

const PARTITIONS = 4;
const LEASE_TTL_MS = 1500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Status {
  instance: string;
  partitions: number;
  partitionStatus: { partition: number; projecting: boolean; owner: string | null }[];
}

const statusOf = async (running: RunningApp): Promise<Status> =>
  (await running.http().get('/v1/admin/projections').expect(200)).body.projections[0];
const projected = (status: Status) =>
  status.partitionStatus.filter((partition) => partition.projecting).map((p) => p.partition);

/** Waits until `done` holds for the statuses of `apps`; the milliseconds it took. */
async function until(
  apps: readonly RunningApp[],
  done: (statuses: Status[]) => boolean,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (done(await Promise.all(apps.map(statusOf)))) return Date.now() - started;
    await sleep(25);
  }
  throw new Error(
    `not within ${timeoutMs} ms: ${JSON.stringify(await Promise.all(apps.map(statusOf)))}`,
  );
}

/** Instances share a view's partitions like a consumer group: join, take a share, leave. */
describeWithServer(POSTGRES, 'partitions shared between instances', (serverUrl) => {
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  let first: RunningApp;
  let second: RunningApp | undefined;
  const environment = () => ({
    DATABASE_URL: database.url,
    PROJECTION_PARTITIONS: String(PARTITIONS),
    PROJECTION_LEASE_TTL_MS: String(LEASE_TTL_MS),
    READ_YOUR_WRITES_TIMEOUT_MS: '10000',
  });

  beforeAll(async () => {
    database = await freshPostgresDatabase(serverUrl);
    first = await startApp(environment());
  }, 60_000);
  afterAll(async () => {
    await second?.close();
    await first?.close();
    await database?.drop();
  }, 60_000);

  it('one instance alone takes every partition', async () => {
    await until([first], ([status]) => projected(status).length === PARTITIONS, 10_000);
    expect((await newProspectReadBack(first)).status).toBe(200);
  });

  it('a second instance takes half the partitions within a lease period, and both serve reads', async () => {
    second = await startApp(environment());
    const tookMs = await until(
      [first, second],
      ([a, b]) => {
        const mine = projected(a);
        const theirs = projected(b);
        return (
          mine.length === PARTITIONS / 2 &&
          theirs.length === PARTITIONS / 2 &&
          !mine.some((partition) => theirs.includes(partition))
        );
      },
      LEASE_TTL_MS * 3,
    );
    console.log(
      `a second instance took its ${PARTITIONS / 2} partitions in ${tookMs} ms (lease ${LEASE_TTL_MS} ms)`,
    );
    expect(tookMs).toBeLessThan(LEASE_TTL_MS * 2);
    // Partition 0 (the singleton jobs' lead) stays where it was: the highest ones move.
    expect(projected(await statusOf(first))).toContain(0);
    // Read-your-writes on both, whichever instance projects the customer's partition.
    for (let i = 0; i < 4; i++) {
      expect((await newProspectReadBack(first)).status).toBe(200);
      expect((await newProspectReadBack(second)).status).toBe(200);
    }
  }, 30_000);

  it('when an instance leaves, the other takes its partitions over', async () => {
    await second!.close();
    second = undefined;
    const tookMs = await until(
      [first],
      ([status]) => projected(status).length === PARTITIONS,
      LEASE_TTL_MS * 3,
    );
    console.log(`the remaining instance took all ${PARTITIONS} partitions back in ${tookMs} ms`);
    expect((await newProspectReadBack(first)).status).toBe(200);
  }, 30_000);
});
