import { randomUUID } from 'node:crypto';
import { PgSqlClient } from '../../src/postgres/pg-sql-client';
/**
 * Suites that need a real server read its address from an environment variable (set by
 * `.ci/run` or by hand, see scripts/servers/). Absent locally: skipped with one line saying so.
 * Absent under CI=true: a failure, except for servers no registry here can provide.
 */
export interface RealServer {
  readonly name: string;
  readonly envVar: string;
  /** True when CI may legitimately lack it (EventStoreDB has no package in any registry we reach). */
  readonly optionalInCi?: boolean;
}

export const POSTGRES: RealServer = { name: 'PostgreSQL server', envVar: 'DATABASE_URL_TEST' };
/** FerretDB in CI (scripts/servers/ferretdb.sh), or a real MongoDB. */
export const MONGODB: RealServer = { name: 'MongoDB-wire server', envVar: 'MONGODB_URL_TEST' };
/** host:port[,host:port], scripts/servers/kafka.sh. */
export const KAFKA: RealServer = { name: 'Kafka broker', envVar: 'KAFKA_BROKERS_TEST' };
export const EVENTSTOREDB: RealServer = {
  name: 'EventStoreDB server',
  envVar: 'EVENTSTOREDB_URL',
  optionalInCi: true,
};

export function describeWithServer(
  server: RealServer,
  title: string,
  body: (url: string) => void,
): void {
  const url = process.env[server.envVar];
  if (url) {
    describe(title, () => body(url));
    return;
  }
  const line = `${title}: skipped, ${server.name} not configured (set ${server.envVar})`;
  if (process.env.CI === 'true' && !server.optionalInCi) {
    describe(title, () => {
      it(`needs ${server.name} under CI=true`, () => {
        throw new Error(line);
      });
    });
    return;
  }
  process.stdout.write(`${line}\n`);
  describe.skip(title, () => body(''));
}

/** A new empty database on the PostgreSQL server at `url`, for tests that need the server to themselves. */
export async function freshPostgresDatabase(
  url: string,
): Promise<{ readonly url: string; drop(): Promise<void> }> {
  const name = `cle_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await PgSqlClient.runAlone(url, `CREATE DATABASE ${name}`);
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  return {
    url: fresh.toString(),
    drop: () => PgSqlClient.runAlone(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
