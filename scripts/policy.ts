/**
 * The policy versions of a running service:
 *   npm run policy -- activate policy/retail-bank.v2.json   in force from the next position on
 *   npm run policy -- list                                  every activation, and the one in force
 * Options: --url http://localhost:3000. The key in CLE_API_KEY (admin role). The file is checked
 * here first, as the service checks it (a clear message naming the field and rule), then sent.
 * Exit 0 when done, 1 when invalid, refused (already active, version reused) or failed, 2 on a
 * bad command line.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { parsePolicy } from '../projections';
import type { PolicyActivationAnswer, PolicyHistoryAnswer } from '../src/http/responses';
import {
  callService,
  readJson,
  refusedError,
  runCli,
  ServiceCliError,
  UsageError,
} from './api-client';

const USAGE = 'usage: policy activate <file.json> | list [--url http://localhost:3000]';

function options(argv: readonly string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { url: { type: 'string', default: 'http://localhost:3000' } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [command, file, ...rest] = parsed.positionals;
  if (command === 'list' && file === undefined) return { command, url: parsed.values.url! };
  if (command === 'activate' && file !== undefined && rest.length === 0)
    return { command, file, url: parsed.values.url! };
  throw new UsageError(command ? `cannot ${command} with these arguments` : 'a command is needed');
}

const line = (activation: PolicyActivationAnswer) =>
  `${activation.policyVersion} (${activation.file}) from position ${activation.position}, activated ${activation.activatedAt}, sha256 ${activation.contentHash}`;

async function main(): Promise<void> {
  const chosen = options(process.argv.slice(2));
  const url = chosen.url.replace(/\/+$/, '');
  if (chosen.command === 'list') {
    const response = await callService(url, '/v1/admin/policies', { method: 'GET' });
    if (!response.ok) throw await refusedError(response, 'list');
    const history = await readJson<PolicyHistoryAnswer>(response);
    for (const activation of history.activations) process.stdout.write(`${line(activation)}\n`);
    process.stdout.write(`in force: ${history.inForce}\n`);
    return;
  }
  let policy: unknown;
  try {
    policy = JSON.parse(readFileSync(chosen.file!, 'utf8'));
  } catch (error) {
    throw new ServiceCliError(`cannot read ${chosen.file}: ${(error as Error).message}`);
  }
  try {
    parsePolicy(policy);
  } catch (error) {
    throw new ServiceCliError(`${chosen.file} is not a valid policy: ${(error as Error).message}`);
  }
  const response = await callService(url, '/v1/admin/policies', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ file: basename(chosen.file!), policy }),
  });
  if (response.status !== 201) throw await refusedError(response, 'the activation');
  process.stdout.write(`activated ${line(await readJson<PolicyActivationAnswer>(response))}\n`);
}

runCli('policy', USAGE, main);
