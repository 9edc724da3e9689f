import { RunningApp, startApp } from '../support/app';
import { describeWithServer, freshPostgresDatabase, POSTGRES } from '../support/servers';

describe('health probes (e2e)', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp();
  });
  afterAll(() => running.close());

  it('answers liveness without asking any store, and readiness with each store and its kind', async () => {
    const live = await running.http().get('/health/live').expect(200);
    expect(live.body).toMatchObject({ status: 'ok', info: {} });
    for (const path of ['/health', '/health/ready']) {
      const ready = await running.http().get(path).expect(200);
      expect(ready.body.info).toEqual({
        eventStore: { status: 'up', kind: 'pglite' },
        readModels: { status: 'up', kind: 'pglite' },
        storage: {
          status: 'up',
          folder: running.dataDir,
          freeBytes: expect.any(Number),
          reserveBytes: expect.any(Number),
        },
      });
    }
  });
});

describeWithServer(POSTGRES, 'health probes when the database goes away (e2e)', (url) => {
  it('turns unready, naming the store, while staying alive', async () => {
    const database = await freshPostgresDatabase(url);
    const running = await startApp({ DATABASE_URL: database.url });
    try {
      await running.http().get('/health/ready').expect(200);

      await database.drop();

      const ready = await running.http().get('/health/ready').expect(503);
      expect(ready.body).toMatchObject({
        status: 'error',
        error: {
          eventStore: { status: 'down', kind: 'postgres' },
          readModels: { status: 'down', kind: 'postgres' },
        },
      });
      expect(ready.body.error.eventStore.message).toEqual(expect.any(String));
      await running.http().get('/health/live').expect(200);
    } finally {
      await running.close().catch(() => undefined);
    }
  }, 60_000);
});
