import { newProspectReadBack, RunningApp, startApp } from '../support/app';
import { describeWithServer, freshPostgresDatabase, POSTGRES } from '../support/servers';

interface Status {
  readonly leader: boolean;
  readonly instance: string;
  readonly leaseHolder: string | null;
  readonly state: string;
  readonly checkpoint: string | null;
  readonly generation: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Several instances on one PostgreSQL server: one holds the projection lease and projects, the
 * others follow its checkpoint (so read-your-writes works on every instance) and take over when
 * it goes away.
 */
describeWithServer(POSTGRES, 'projection lease across instances (e2e)', (serverUrl) => {
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  const instances: RunningApp[] = [];
  const environment = () => ({
    DATABASE_URL: database.url,
    PROJECTION_LEASE_TTL_MS: '1500',
    READ_YOUR_WRITES_TIMEOUT_MS: '10000',
  });
  const status = async (instance: RunningApp): Promise<Status> =>
    (await instance.http().get('/v1/admin/projections').expect(200)).body.projections[0];

  beforeAll(async () => {
    database = await freshPostgresDatabase(serverUrl);
    instances.push(await startApp(environment()), await startApp(environment()));
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    await database.drop();
  });

  it('one instance projects, the other follows and serves read-your-writes queries', async () => {
    const [first, second] = await Promise.all(instances.map(status));
    expect([first.leader, second.leader].sort()).toEqual([false, true]);
    const leader = first.leader ? first : second;
    expect(first.leaseHolder).toBe(leader.instance);
    expect(second.leaseHolder).toBe(leader.instance);
    expect((first.leader ? second : first).state).toBe('following');

    const follower = instances[first.leader ? 1 : 0];
    const read = await newProspectReadBack(follower);
    expect(read.status).toBe(200);
    expect(read.body.lifecycle.stage).toBe('prospect');

    const rebuild = await follower.http().post('/v1/admin/projections/customers/rebuild');
    expect(rebuild.status).toBe(409);
    expect(rebuild.body.message).toContain('does not hold the projection lease');
  });

  it('when the leader rebuilds, the follower switches to the new generation', async () => {
    const statuses = await Promise.all(instances.map(status));
    const leader = instances[statuses.findIndex((current) => current.leader)];
    const follower = instances[statuses.findIndex((current) => !current.leader)];
    const generation = statuses[0].generation;
    await leader.http().post('/v1/admin/projections/customers/rebuild').expect(202);
    // The switch-over: the follower drops its runner of the old generation and starts one on the
    // new (reporting "starting" meanwhile, never "stopped"), then follows again.
    let seen = await status(follower);
    const states = new Set<string>();
    for (let i = 0; i < 100 && !(seen.generation > generation && seen.state === 'following'); i++) {
      await sleep(100);
      seen = await status(follower);
      states.add(seen.state);
    }
    expect(seen).toMatchObject({ generation: generation + 1, state: 'following' });
    expect(states).not.toContain('stopped');
    expect((await newProspectReadBack(follower)).status).toBe(200);
  });

  it('when the leader goes away, the follower takes the lease over and projects', async () => {
    const statuses = await Promise.all(instances.map(status));
    const leaderIndex = statuses.findIndex((current) => current.leader);
    const [leader] = instances.splice(leaderIndex, 1);
    await leader.close();
    const survivor = instances[0];

    let current = await status(survivor);
    for (let i = 0; i < 50 && !current.leader; i++) {
      await sleep(100);
      current = await status(survivor);
    }
    expect(current).toMatchObject({ leader: true, leaseHolder: current.instance });

    const read = await newProspectReadBack(survivor);
    expect(read.status).toBe(200);
  });
});
