import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { withMasterKeys } from '../support/master-keys';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Compiles the service once, as `npm start` does, so crash tests run the real process. */
export function buildService(): void {
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
}

/** The engine as an OS process (dist/src/main.js) that a test can SIGKILL and start again. */
export class ServiceProcess {
  private child?: ChildProcess;
  readonly url: string;
  /** What the process wrote to stderr (start-up refusals are one line there). */
  stderr = '';

  constructor(
    private readonly port: number,
    private readonly environment: Record<string, string>,
    private readonly cwd = ROOT,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private spawn(): ChildProcess {
    this.stderr = '';
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'main.js')], {
      cwd: this.cwd,
      env: {
        ...process.env,
        ...withMasterKeys(this.environment),
        PORT: String(this.port),
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
      process.stderr.write(chunk);
    });
    this.child = child;
    return child;
  }

  /** Starts a process that is expected to refuse to start: its exit code and stderr. */
  async startRefused(timeoutMs = 30_000): Promise<{ code: number | null; stderr: string }> {
    const child = this.spawn();
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`service did not exit within ${timeoutMs} ms`));
      }, timeoutMs);
      child.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    return { code, stderr: this.stderr };
  }

  async start(): Promise<void> {
    const child = this.spawn();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`service exited with ${child.exitCode}: ${this.stderr.trim()}`);
      try {
        if ((await fetch(`${this.url}/health`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('service did not become healthy within 30 s');
  }

  /** Resolves with the signal (or exit code) the process ended with. */
  async ended(): Promise<string | number | null> {
    const child = this.child!;
    if (!exited(child)) await new Promise((resolve) => child.once('exit', resolve));
    return child.signalCode ?? child.exitCode;
  }

  /** SIGKILL: no shutdown hooks, no flushing, like a power cut of the process. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || exited(child)) return;
    const exit = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exit;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || exited(child)) return;
    const exit = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exit;
  }
}

/** A child killed by a signal has a null exitCode but a signalCode. */
const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/**
 * POSTs a batch of touchpoints; true once the service took it whole (none invalid, rejected or
 * in conflict), false when the process is down (refused or reset: send it again, ids make
 * that idempotent).
 */
export async function postTouchpoints(url: string, batch: readonly object[]): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/touchpoints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ touchpoints: batch }),
    });
    if (!response.ok)
      throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
    const body = (await response.json()) as { invalid: number; rejected: number; conflict: number };
    if (body.invalid + body.rejected + body.conflict > 0)
      throw new Error(`ingest did not take the batch whole: ${JSON.stringify(body)}`);
    return true;
  } catch (error) {
    // fetch's TypeError comes from Node's realm, not jest's: compare by name.
    if ((error as Error).name === 'TypeError') return false;
    throw error;
  }
}
