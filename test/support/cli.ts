import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a built CLI (`dist/scripts/<name>.js`, as `npm run <name>` does). Asynchronous on
 * purpose: the app the CLI talks to is served by the test's own event loop.
 */
export function runBuiltCli(
  name: string,
  args: readonly string[],
  environment: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  const cli = join(__dirname, '..', '..', 'dist', 'scripts', `${name}.js`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...environment },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
