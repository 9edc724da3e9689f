import { hostname } from 'node:os';

/** Owners alive in this process (tests run several engines in one process). */
const ownersInThisProcess = new Set<string>();

/**
 * A lease owner id, `host:pid:nonce`, known to this process as alive until `ended`
 * (ProjectionEngine.instance, one per engine).
 */
export function leaseOwner(nonce: string): { readonly id: string; ended(): void } {
  const id = `${hostname()}:${process.pid}:${nonce}`;
  ownersInThisProcess.add(id);
  return { id, ended: () => ownersInThisProcess.delete(id) };
}

/**
 * Why the process that owns a lease is provably gone, or undefined when that cannot be proven
 * (another host, or a live process with its pid). Only the same host can tell: its pid is no
 * longer running, or it is this very pid (a restart that got the same pid, as PID 1 in a
 * container) under another nonce.
 */
export function provenGone(owner: string): string | undefined {
  const match = /^(.*):(\d+):([^:]+)$/.exec(owner);
  if (!match || match[1] !== hostname()) return undefined;
  const pid = Number(match[2]);
  if (pid === process.pid) {
    return ownersInThisProcess.has(owner)
      ? undefined
      : `it was an earlier process with this pid (${pid})`;
  }
  return running(pid) ? undefined : `process ${pid} on this host has ended`;
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
