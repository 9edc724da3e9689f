import { toErrorBody } from '../src/http/errors/http-exception.filter';
import { NotFoundError } from '../src/http/errors/errors';
import {
  NotLeaderError,
  ProjectionStatus,
  RebuildAlreadyRunningError,
  RebuildStatus,
} from '../src/projection-engine/projection-engine.service';
import {
  describeHttpFailure,
  etaSeconds,
  followRebuild,
  formatDuration,
  parseRebuildArgs,
  percentDone,
  progressLine,
  summaryLine,
  UsageError,
} from './rebuild-progress';

const started: RebuildStatus = {
  generation: 3,
  partitions: 1,
  state: 'running',
  startedAt: '2026-03-01T10:00:00.000Z',
  processedEvents: 0,
  totalEvents: 5000,
  eventsPerSecond: 0,
};

const projection = (overrides: Partial<ProjectionStatus>): ProjectionStatus => ({
  name: 'customers',
  leader: true,
  instance: 'node-a:41',
  leaseHolder: 'node-a:41',
  generation: 2,
  partitions: 1,
  configuredPartitions: 1,
  collection: 'customers_g2',
  state: 'live',
  checkpoint: '100',
  headPosition: '100',
  lagEvents: 0,
  lagSeconds: 0,
  partitionStatus: [],
  ...overrides,
});

describe('parseRebuildArgs', () => {
  it('defaults to the customers projection on localhost, waiting, polling every 500 ms', () => {
    expect(parseRebuildArgs([])).toEqual({
      name: 'customers',
      url: 'http://localhost:3000',
      intervalMs: 500,
      wait: true,
    });
  });

  it('reads the name, URL (without trailing slash), interval and --no-wait', () => {
    expect(
      parseRebuildArgs([
        'audiences',
        '--url',
        'https://engine:8443/',
        '--interval-ms=250',
        '--no-wait',
      ]),
    ).toEqual({ name: 'audiences', url: 'https://engine:8443', intervalMs: 250, wait: false });
  });

  it.each([
    [['--interval-ms', '0'], /--interval-ms must be a positive integer, got "0"/],
    [['--interval-ms', '1.5'], /--interval-ms must be a positive integer/],
    [['--url', 'localhost:3000'], /--url must be an http\(s\) URL/],
    [['--url', 'not a url'], /--url must be an http\(s\) URL/],
    [['a', 'b'], /expected one projection name, got 2/],
    [['--colour', 'red'], /Unknown option '--colour'/],
  ])('refuses %j with a usage error', (argv, message) => {
    const attempt = () => parseRebuildArgs(argv);
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(/usage: rebuild \[name\]/);
  });
});

describe('followRebuild', () => {
  it('is running while the status reports our rebuild running', () => {
    const rebuild = { ...started, processedEvents: 1200, eventsPerSecond: 600 };
    expect(followRebuild(started, projection({ rebuild }))).toEqual({ kind: 'running', rebuild });
  });

  it('has switched once our rebuild reports so, with its statistics', () => {
    const rebuild: RebuildStatus = {
      ...started,
      state: 'switched',
      finishedAt: '2026-03-01T10:00:04.000Z',
    };
    const status = projection({ generation: 3, collection: 'customers_g3', rebuild });
    expect(followRebuild(started, status)).toEqual({
      kind: 'switched',
      projection: status,
      rebuild,
    });
  });

  it("failed with the service's reason", () => {
    const rebuild: RebuildStatus = { ...started, state: 'failed', error: 'disk full' };
    expect(followRebuild(started, projection({ rebuild }))).toEqual({
      kind: 'failed',
      reason: 'disk full',
    });
  });

  it('counts ours as switched when a later rebuild replaced its status but its generation went live', () => {
    const later: RebuildStatus = {
      ...started,
      generation: 4,
      startedAt: '2026-03-01T10:05:00.000Z',
    };
    const status = projection({ generation: 3, collection: 'customers_g3', rebuild: later });
    expect(followRebuild(started, status)).toEqual({ kind: 'switched', projection: status });
  });

  it.each([
    [
      'a retry of the same generation replaced it',
      { ...started, startedAt: '2026-03-01T10:01:00.000Z' },
    ],
    ['the service restarted and reports no rebuild', undefined],
  ])('counts ours as failed when %s and its generation is not live', (_case, rebuild) => {
    expect(followRebuild(started, projection({ generation: 2, rebuild }))).toEqual({
      kind: 'failed',
      reason: expect.stringMatching(/no longer reports it/),
    });
  });
});

describe('ETA and wording', () => {
  it('estimates the time left from the reported rate, unknown until there is one', () => {
    expect(etaSeconds({ ...started, processedEvents: 1000, eventsPerSecond: 300 })).toBe(14);
    expect(etaSeconds({ ...started, processedEvents: 1000, eventsPerSecond: 0 })).toBeUndefined();
    expect(etaSeconds({ ...started, processedEvents: 5000, eventsPerSecond: 0 })).toBe(0);
  });

  it.each([
    [undefined, '?'],
    [0, '0s'],
    [0.2, '1s'],
    [59, '59s'],
    [65, '1m 05s'],
    [3599, '59m 59s'],
    [3600 * 2 + 7 * 60 + 30, '2h 07m'],
  ])('formats %p seconds as %p', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('reports percent done, an empty store being done', () => {
    expect(percentDone({ ...started, processedEvents: 2499 })).toBe(49);
    expect(percentDone({ ...started, totalEvents: 0 })).toBe(100);
  });

  it('prints a plain progress line', () => {
    expect(
      progressLine('customers', { ...started, processedEvents: 1200, eventsPerSecond: 950 }),
    ).toBe('customers g3: 1200/5000 events (24%), 950 events/s, ETA 4s');
  });

  it('summarises events, seconds and rate over the whole run, and the new collection', () => {
    const rebuild: RebuildStatus = {
      ...started,
      state: 'switched',
      processedEvents: 5000,
      eventsPerSecond: 2600,
      finishedAt: '2026-03-01T10:00:02.500Z',
    };
    const status = projection({ generation: 3, collection: 'customers_g3', rebuild });
    expect(summaryLine('customers', { kind: 'switched', projection: status, rebuild })).toBe(
      'rebuilt customers into generation 3 (collection customers_g3): 5000 events in 2.5 s, 2000 events/s',
    );
    expect(summaryLine('customers', { kind: 'switched', projection: status })).toBe(
      'rebuilt customers into generation 3 (collection customers_g3)',
    );
  });
});

describe('describeHttpFailure', () => {
  // Bodies as the service's exception filter writes them, so a change of wording shows here.
  const body = (error: Error) => JSON.stringify(toErrorBody(error));

  it('names an unknown projection', () => {
    expect(describeHttpFailure('nope', 404, body(new NotFoundError('projection nope')))).toBe(
      'unknown projection "nope" (projection nope not found)',
    );
  });

  it('says a rebuild is already running', () => {
    expect(describeHttpFailure('customers', 409, body(new RebuildAlreadyRunningError(4)))).toBe(
      'cannot start a rebuild of customers: a rebuild into generation 4 is already running',
    );
  });

  it('passes on why a follower instance refuses', () => {
    expect(describeHttpFailure('customers', 409, body(new NotLeaderError('node-b:42')))).toBe(
      'cannot start a rebuild of customers: this instance does not hold the projection lease (held by node-b:42); send the rebuild to the instance that does',
    );
  });

  it("shows the start of a non-JSON answer, e.g. a proxy's error page", () => {
    expect(describeHttpFailure('customers', 502, '<html>Bad Gateway</html>\n')).toBe(
      'the service answered 502: <html>Bad Gateway</html>',
    );
    expect(describeHttpFailure('customers', 500, '')).toBe('the service answered 500: no details');
  });
});
