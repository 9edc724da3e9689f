import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SYSTEM_TOUCHPOINT_TYPES } from '../../src/domain/touchpoints';
import { simulateTouchpoints } from '../../src/simulator';
import { buildService, ServiceProcess } from '../crash/service-process';

const run = promisify(execFile);
/** The schemathesis CLI; .ci/run installs it into a venv from PyPI (scripts/fuzz/schemathesis.sh). */
const ST = process.env.SCHEMATHESIS_BIN;
const EXAMPLES = process.env.SCHEMATHESIS_EXAMPLES ?? '60';
const available = ST !== undefined && existsSync(ST);
if (!available) {
  const line =
    'schemathesis fuzz: skipped, SCHEMATHESIS_BIN not set (bash scripts/fuzz/schemathesis.sh installs it)';
  if (process.env.CI === 'true') throw new Error(`${line}; CI must run it`);
  process.stderr.write(`${line}\n`);
}

/**
 * Schemathesis against the booted service's own OpenAPI document: every operation fuzzed from
 * its declared parameters and bodies, every answer checked to be no 5xx, a documented status,
 * and a body that matches the documented schema.
 */
(available ? describe : describe.skip)('schemathesis against /docs-json (fuzz)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cle-schemathesis-'));
  const service = new ServiceProcess(35000 + Math.floor(Math.random() * 2000), {
    DATA_DIR: dataDir,
    EMBEDDED_FSYNC: 'false',
    READ_YOUR_WRITES_TIMEOUT_MS: '200',
  });
  beforeAll(async () => {
    buildService();
    await service.start();
    // Customers with a real history, so the per-customer routes answer 200 as well as 404 and
    // their answers are checked against the documented schemas: half the generated customerIds
    // are drawn from them (schemathesis.toml in the run's folder).
    const sent = [...simulateTouchpoints({ customers: 30, seed: 5, days: 900 })].filter(
      (touchpoint) => !SYSTEM_TOUCHPOINT_TYPES.includes(touchpoint.type),
    );
    for (let start = 0; start < sent.length; start += 200) {
      const response = await fetch(`${service.url}/v1/touchpoints`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ touchpoints: sent.slice(start, start + 200) }),
      });
      expect(response.status).toBe(200);
    }
    const customers = [...new Set(sent.map((touchpoint) => touchpoint.customerId))];
    writeFileSync(
      join(dataDir, 'schemathesis.toml'),
      [
        '[dictionaries.customers]',
        `values = ${JSON.stringify(customers)}`,
        '[parameters]',
        '"path.customerId" = { dictionary = "customers", probability = 0.5 }',
        '',
      ].join('\n'),
    );
  }, 120_000);
  afterAll(async () => {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('finds no server error, undocumented status or off-schema answer', async () => {
    const { stdout, exitCode } = await run(
      ST!,
      [
        'run',
        `${service.url}/docs-json`,
        '--checks',
        'not_a_server_error,status_code_conformance,response_schema_conformance',
        '--max-examples',
        EXAMPLES,
        '--no-color',
      ],
      // Its caches (.schemathesis, .hypothesis) go to the test's folder, not the repository.
      { maxBuffer: 64 * 1024 * 1024, cwd: dataDir },
    )
      .then(({ stdout }) => ({ stdout, exitCode: 0 }))
      .catch((error: { stdout?: string; code?: number }) => ({
        stdout: error.stdout ?? '',
        exitCode: error.code ?? 1,
      }));
    const generated = /(\d+) generated/.exec(stdout)?.[1] ?? '?';
    process.stderr.write(
      `schemathesis: ${generated} test cases generated, exit code ${exitCode}\n`,
    );
    if (exitCode !== 0 || process.env.SCHEMATHESIS_VERBOSE) process.stderr.write(stdout);
    expect(exitCode).toBe(0);
  }, 900_000);
});
