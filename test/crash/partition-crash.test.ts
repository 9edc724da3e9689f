import { MongoClient } from 'mongodb';
import { SYSTEM_TOUCHPOINT_TYPES } from '../../src/domain/touchpoints';
import { PgSqlClient } from '../../src/postgres/pg-sql-client';
import { SimulatedTouchpoint, simulateTouchpoints } from '../../src/simulator';
import { Prng } from '../../src/simulator/prng';
import { readModelSnapshot } from '../support/read-model-snapshot';
import {
  describeWithServer,
  freshPostgresDatabase,
  MONGODB,
  POSTGRES,
  RealServer,
} from '../support/servers';
import { buildService, postTouchpoints, ServiceProcess } from './service-process';

const PARTITIONS = 8;
const LEASE_TTL_MS = 3000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface PartitionStatus {
  partition: number;
  owner: string | null;
  projecting: boolean;
  state: string;
  lagEvents: number;
}
interface Status {
  instance: string;
  generation: number;
  partitions: number;
  lagEvents: number;
  headPosition: string;
  partitionStatus: PartitionStatus[];
  rebuild?: { state: string };
}

const statusOf = async (service: ServiceProcess): Promise<Status> =>
  ((await (await fetch(`${service.url}/v1/admin/projections`)).json()) as { projections: Status[] })
    .projections[0];

/**
 * Issue 12's partition crash test: three service processes share a view's 8 partitions while
 * the simulator ingests through all of them and instances are SIGKILLed at random and
 * restarted. At the end every partition is projected by exactly one instance, no customer
 * document version was written by two processes (PostgreSQL: a trigger logs every attempted
 * write with the writing process's application_name), and the read models equal a fresh
 * rebuild byte for byte.
 */
function partitionCrashTest(
  title: string,
  server: RealServer,
  options: { customers: number; kills: number; readModels: 'postgres' | 'mongo' },
) {
  describeWithServer(server, title, (serverUrl) => {
    let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
    let sql: PgSqlClient | undefined;
    const services: ServiceProcess[] = [];
    const mongoDatabase = `cle_partitions_${Date.now()}`;

    beforeAll(async () => {
      buildService();
      const postgresUrl =
        options.readModels === 'postgres' ? serverUrl : process.env.DATABASE_URL_TEST!;
      database = await freshPostgresDatabase(postgresUrl);
      const environment: Record<string, string> = {
        DATABASE_URL: database.url,
        PROJECTION_PARTITIONS: String(PARTITIONS),
        PROJECTION_LEASE_TTL_MS: String(LEASE_TTL_MS),
        SCHEDULER_INTERVAL_MS: '86400000',
        READ_YOUR_WRITES_TIMEOUT_MS: '30000',
        ...(options.readModels === 'mongo'
          ? {
              READ_MODEL_STORE: 'mongodb',
              MONGODB_URL: serverUrl,
              MONGODB_DATABASE: mongoDatabase,
            }
          : {}),
      };
      const base = 42_000 + Math.floor(Math.random() * 5000);
      for (let i = 0; i < 3; i++) services.push(new ServiceProcess(base + i, environment));
      await services[0].start();
      if (options.readModels === 'postgres') {
        sql = await PgSqlClient.connect(database.url, 2);
        // Before any customer is ingested: every attempted write of a customer document, with
        // the process that made it (BEFORE INSERT fires for rows the version guard then refuses).
        await sql.query(`
          CREATE TABLE write_log (id text, version bigint, writer text);
          CREATE FUNCTION log_write() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO write_log VALUES (NEW.id, NEW.version, current_setting('application_name'));
              RETURN NEW;
            END $$;
          CREATE TRIGGER log_write BEFORE INSERT ON rm_customers_g1
            FOR EACH ROW EXECUTE FUNCTION log_write();`);
      }
      await services[1].start();
      await services[2].start();
    }, 180_000);
    afterAll(async () => {
      for (const service of services) await service.kill();
      await sql?.close();
      await database?.drop();
      if (options.readModels === 'mongo') {
        const client = await MongoClient.connect(serverUrl);
        await client.db(mongoDatabase).dropDatabase();
        await client.close();
      }
    }, 60_000);

    it('SIGKILLs at random leave every partition owned once, no version written twice, and a rebuild equal', async () => {
      const random = new Prng(20261203);
      const touchpoints = [
        ...simulateTouchpoints({ customers: options.customers, seed: 12, days: 720 }),
      ].filter((touchpoint) => !SYSTEM_TOUCHPOINT_TYPES.includes(touchpoint.type));
      const down = new Set<number>();

      const post = (batch: readonly SimulatedTouchpoint[]): Promise<boolean> => {
        const live = [0, 1, 2].filter((index) => !down.has(index));
        return postTouchpoints(services[live[random.int(0, live.length - 1)]].url, batch);
      };

      let kills = 0;
      let sent = 0;
      const killer = (async () => {
        while (kills < options.kills) {
          await sleep(random.int(800, 2500));
          const index = random.int(0, 2);
          down.add(index);
          await services[index].kill();
          kills++;
          await sleep(random.int(200, 1500));
          await services[index].start();
          down.delete(index);
        }
      })();
      // Resend a batch until a service takes it: ids make resends idempotent.
      while (sent < touchpoints.length) {
        const batch = touchpoints.slice(sent, sent + 40);
        if (await post(batch)) sent += batch.length;
        else await sleep(50);
      }
      await killer;
      expect(kills).toBe(options.kills);

      // Settle: every instance sees all partitions live and caught up.
      let statuses: Status[] = [];
      let settledAfter: number | undefined;
      const settling = Date.now();
      // FerretDB is slow to catch up when the machine is busy: allow it minutes.
      while (Date.now() - settling < 300_000) {
        statuses = await Promise.all(services.map(statusOf));
        const settled = statuses.every(
          (status) =>
            status.lagEvents === 0 &&
            status.partitionStatus.every((partition) => partition.owner !== null),
        );
        // Consistent: each partition projected by one instance, the one its lease names (a
        // partition moving between two status reads is seen half-moved: read again).
        const projecting = statuses.flatMap((status) =>
          status.partitionStatus
            .filter((p) => p.projecting && p.owner === status.instance)
            .map((p) => p.partition),
        );
        if (
          settled &&
          new Set(projecting).size === PARTITIONS &&
          projecting.length === PARTITIONS
        ) {
          settledAfter = Date.now() - settling;
          break;
        }
        await sleep(200);
      }
      expect(settledAfter).toBeDefined();
      if (process.env.PARTITION_CRASH_DEBUG) console.log(JSON.stringify(statuses, null, 1));
      // Every partition projected by exactly one instance, the one its lease names.
      const projectedBy = new Map<number, string[]>();
      for (const status of statuses) {
        expect(status.partitions).toBe(PARTITIONS);
        for (const partition of status.partitionStatus) {
          if (!partition.projecting) continue;
          projectedBy.set(partition.partition, [
            ...(projectedBy.get(partition.partition) ?? []),
            status.instance,
          ]);
          expect(partition.owner).toBe(status.instance);
        }
      }
      expect([...projectedBy.keys()].sort((a, b) => a - b)).toEqual(
        Array.from({ length: PARTITIONS }, (_, index) => index),
      );
      for (const owners of projectedBy.values()) expect(owners).toHaveLength(1);
      // Shared out: no instance holds more than its share of ceil(8 / 3).
      for (const status of statuses)
        expect(status.partitionStatus.filter((p) => p.projecting).length).toBeLessThanOrEqual(3);

      if (sql) {
        const twice = await sql.query(
          `SELECT id, version, array_agg(DISTINCT writer) AS writers FROM write_log
            GROUP BY id, version HAVING count(DISTINCT writer) > 1`,
        );
        expect(twice).toEqual([]);
        const [{ count }] = await sql.query<{ count: string }>('SELECT count(*) FROM write_log');
        expect(Number(count)).toBeGreaterThan(options.customers);
      }

      const leader = services.find((_, index) => statuses[index].partitionStatus[0].projecting)!;
      const before = await readModelSnapshot(leader.url);
      // Nothing acknowledged was lost: every customer's document counts all its events.
      const expectedEvents = new Map<string, number>();
      for (const { customerId } of touchpoints)
        expectedEvents.set(customerId, (expectedEvents.get(customerId) ?? 0) + 1);
      expect(before.documents.size).toBe(expectedEvents.size);
      for (const [customerId, text] of before.documents)
        expect({
          customerId,
          events: (JSON.parse(text) as { eventCount: number }).eventCount,
        }).toEqual({
          customerId,
          events: expectedEvents.get(customerId),
        });

      const rebuild = (await (
        await fetch(`${leader.url}/v1/admin/projections/customers/rebuild`, { method: 'POST' })
      ).json()) as { rebuild: { generation: number } };
      for (const started = Date.now(); Date.now() - started < 300_000;) {
        const current = await statusOf(leader);
        if (
          current.generation === rebuild.rebuild.generation &&
          current.rebuild?.state === 'switched'
        )
          break;
        await sleep(100);
      }
      expect(await statusOf(leader)).toMatchObject({ generation: rebuild.rebuild.generation });
      const after = await readModelSnapshot(leader.url);
      expect([...after.documents.keys()].sort()).toEqual([...before.documents.keys()].sort());
      for (const [customerId, text] of before.documents)
        expect({ customerId, text: after.documents.get(customerId) }).toEqual({ customerId, text });
      expect(after.transitions).toBe(before.transitions);
      expect(after.feed).toBe(before.feed);
      console.log(
        `${title}: ${touchpoints.length} touchpoints, ${kills} kills, ${before.documents.size} customers, settled ${settledAfter} ms after ingest`,
      );
    }, 900_000);
  });
}

partitionCrashTest('crash: 3 instances share 8 partitions on PostgreSQL (SIGKILL)', POSTGRES, {
  customers: 160,
  kills: 6,
  readModels: 'postgres',
});
partitionCrashTest(
  'crash: 3 instances share 8 partitions, MongoDB read models (SIGKILL)',
  MONGODB,
  {
    customers: 50,
    kills: 3,
    readModels: 'mongo',
  },
);
