/**
 * The HTTP half of the rebuild CLI: the admin API of a running service. The embedded database
 * admits one process only, so the CLI never opens it and asks the service instead.
 */
import type {
  ProjectionStatus,
  RebuildStatus,
} from '../src/projection-engine/projection-engine.service';
import { authorizationHeaders } from './api-client';
import { describeHttpFailure } from './rebuild-progress';

/** A failure worth one line to the operator (no stack): unreachable, refused, failed. */
export class RebuildCliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RebuildCliError';
  }
}

export async function startRebuild(url: string, name: string): Promise<RebuildStatus> {
  const response = await call(url, `/v1/admin/projections/${encodeURIComponent(name)}/rebuild`, {
    method: 'POST',
  });
  if (response.status !== 202) {
    throw new RebuildCliError(describeHttpFailure(name, response.status, await response.text()));
  }
  return (await json<{ rebuild: RebuildStatus }>(response)).rebuild;
}

export async function projectionStatus(url: string, name: string): Promise<ProjectionStatus> {
  const response = await call(url, '/v1/admin/projections', { method: 'GET' });
  if (!response.ok) {
    throw new RebuildCliError(describeHttpFailure(name, response.status, await response.text()));
  }
  const { projections } = await json<{ projections: ProjectionStatus[] }>(response);
  const projection = projections.find((candidate) => candidate.name === name);
  if (!projection) {
    throw new RebuildCliError(`GET ${url}/v1/admin/projections no longer lists "${name}"`);
  }
  return projection;
}

/**
 * No timeout of our own: a service busy with a rebuild may answer slowly, and that is no reason
 * to give up on it. fetch's own limits (10 s to connect, 5 min for the headers) still apply.
 */
async function call(url: string, path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(`${url}${path}`, {
      ...init,
      headers: { ...authorizationHeaders(), ...(init.headers as Record<string, string>) },
    });
  } catch (error) {
    // fetch says only "fetch failed"; the cause names it (ECONNREFUSED, ENOTFOUND, timeout).
    const cause = (error as Error & { cause?: Error }).cause;
    throw new RebuildCliError(
      `cannot reach the service at ${url}: ${cause?.message ?? (error as Error).message}`,
    );
  }
}

async function json<T>(response: Response): Promise<T> {
  const text = await response.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new RebuildCliError(
      `unexpected answer from ${response.url} (${response.status}): ${text.slice(0, 200)}`,
    );
  }
}
