import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A small tmpfs of the test's own (root only), for full, small and read-only volumes. */
export class TestVolume {
  private constructor(readonly path: string) {}

  /** Undefined where mounting is not allowed (not root); the caller skips with one line. */
  static mount(sizeMb: number, options = ''): TestVolume | undefined {
    const path = mkdtempSync(join(tmpdir(), 'cle-volume-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m${options}`, 'tmpfs', path], {
        stdio: 'ignore',
      });
      return new TestVolume(path);
    } catch {
      rmSync(path, { recursive: true, force: true });
      return undefined;
    }
  }

  remount(options: string): void {
    execFileSync('mount', ['-o', `remount,${options}`, this.path], { stdio: 'ignore' });
  }

  /** Writes a file that leaves about `leaveMb` free on the volume. */
  fill(leaveMb: number, name = 'filler'): string {
    const file = join(this.path, name);
    const { bavail, bsize } = statfsSync(this.path);
    const bytes = Math.max(0, bavail * bsize - leaveMb * 1024 * 1024);
    execFileSync('fallocate', ['-l', String(bytes), file]);
    return file;
  }

  unmount(): void {
    execFileSync('umount', ['-l', this.path], { stdio: 'ignore' });
    rmSync(this.path, { recursive: true, force: true });
  }
}

export const canMount = (): boolean => {
  const probe = TestVolume.mount(1);
  probe?.unmount();
  return probe !== undefined;
};
