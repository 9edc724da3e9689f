import { randomUUID } from 'node:crypto';
import { RunningApp, startApp } from '../support/app';
import { touchpoints } from '../support/touchpoints';

/** The second view: built from every customer's stream, run and rebuilt by the same engine. */
describe('touchpoint activity view (e2e)', () => {
  let running: RunningApp;
  const get = (path: string) => running.http().get(path);

  /** Waits until the activity view has counted everything up to `position`. */
  async function activity(query: string, position: string) {
    for (let i = 0; i < 200; i++) {
      const response = await get(`/v1/stats/activity?${query}`).expect(200);
      if (
        response.body.asOfPosition !== null &&
        BigInt(response.body.asOfPosition) >= BigInt(position)
      )
        return response.body;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the activity view did not reach the ingest position');
  }

  beforeAll(async () => {
    running = await startApp();
  });
  afterAll(() => running.close());

  it('counts touchpoints per day and type across customers, and a rebuild gives the same', async () => {
    const [a, b] = [`c-${randomUUID()}`, `c-${randomUUID()}`];
    const { body } = await running
      .http()
      .post('/v1/touchpoints')
      .send({
        touchpoints: [
          touchpoints.prospect(a, '2024-05-01T09:00:00Z'),
          touchpoints.prospect(b, '2024-05-01T23:59:00Z'),
          touchpoints.productOpened(a, 'CUR-1', '2024-05-02T10:00:00Z'),
          touchpoints.interaction(b, '2024-05-02T11:00:00Z'),
          touchpoints.prospect(`c-${randomUUID()}`, '2024-05-04T09:00:00Z'),
        ],
      })
      .expect(200);
    expect(body).toMatchObject({ appended: 5 });
    const counted = await activity('from=2024-05-01&to=2024-05-03', body.position);
    expect(counted).toMatchObject({ from: '2024-05-01', to: '2024-05-03' });
    expect(counted.activity).toEqual([
      { day: '2024-05-01', type: 'ProspectCaptured', touchpoints: 2, customerInitiated: 2 },
      { day: '2024-05-02', type: 'ChannelInteraction', touchpoints: 1, customerInitiated: 1 },
      { day: '2024-05-02', type: 'ProductOpened', touchpoints: 1, customerInitiated: 1 },
    ]);
    const onlyProspects = await activity(
      'from=2024-05-01&to=2024-05-31&type=ProspectCaptured',
      body.position,
    );
    expect(onlyProspects.activity.map((row: { day: string }) => row.day)).toEqual([
      '2024-05-01',
      '2024-05-04',
    ]);

    const started = await running
      .http()
      .post('/v1/admin/projections/touchpoint_activity/rebuild')
      .expect(202);
    for (let i = 0; i < 200; i++) {
      const { body: status } = await get('/v1/admin/projections').expect(200);
      const view = status.projections.find(
        (p: { name: string }) => p.name === 'touchpoint_activity',
      );
      if (view.generation === started.body.rebuild.generation && view.rebuild?.state === 'switched')
        break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const rebuilt = await activity('from=2024-05-01&to=2024-05-03', body.position);
    expect(rebuilt.activity).toEqual(counted.activity);
  });

  it('refuses a bad range with the field and rule', async () => {
    const response = await get('/v1/stats/activity?from=2024-05-03&to=2024-05-01').expect(400);
    expect(JSON.stringify(response.body)).toContain('isDayRange');
    const missing = await get('/v1/stats/activity?from=2024-05-01').expect(400);
    expect(JSON.stringify(missing.body)).toContain('to');
  });

  it('lists both views in the projection status, the customer view first', async () => {
    const { body } = await get('/v1/admin/projections').expect(200);
    expect(body.projections.map((p: { name: string }) => p.name)).toEqual([
      'customers',
      'touchpoint_activity',
    ]);
  });
});
