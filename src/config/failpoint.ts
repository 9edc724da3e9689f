/**
 * Crash points for the crash tests: with CLE_FAILPOINT=<name>, the process SIGKILLs itself when
 * it reaches that point, so a test can prove what a crash exactly there leaves behind. Unset in
 * any real deployment; reaching a point costs one comparison.
 */
export type FailpointName = 'erasure-appended';

export function failpoint(name: FailpointName): void {
  if (process.env.CLE_FAILPOINT === name) process.kill(process.pid, 'SIGKILL');
}
