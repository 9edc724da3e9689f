/**
 * The HTTP half of the rebuild CLI: the admin API of a running service. The embedded database
 * admits one process only, so the CLI never opens it and asks the service instead.
 */
import type {
  ProjectionStatus,
  RebuildStatus,
} from '../src/projection-engine/projection-engine.service';
import { callService as call, readJson as json, ServiceCliError } from './api-client';
import { describeHttpFailure } from './rebuild-progress';

/** The rebuild CLI's one-line failures are the service CLIs' own. */
export { ServiceCliError as RebuildCliError };

export async function startRebuild(url: string, name: string): Promise<RebuildStatus> {
  const response = await call(url, `/v1/admin/projections/${encodeURIComponent(name)}/rebuild`, {
    method: 'POST',
  });
  if (response.status !== 202) {
    throw new ServiceCliError(describeHttpFailure(name, response.status, await response.text()));
  }
  return (await json<{ rebuild: RebuildStatus }>(response)).rebuild;
}

export async function projectionStatus(url: string, name: string): Promise<ProjectionStatus> {
  const response = await call(url, '/v1/admin/projections', { method: 'GET' });
  if (!response.ok) {
    throw new ServiceCliError(describeHttpFailure(name, response.status, await response.text()));
  }
  const { projections } = await json<{ projections: ProjectionStatus[] }>(response);
  const projection = projections.find((candidate) => candidate.name === name);
  if (!projection) {
    throw new ServiceCliError(`GET ${url}/v1/admin/projections no longer lists "${name}"`);
  }
  return projection;
}
