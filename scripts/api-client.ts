/**
 * What the CLIs that talk to a running service send to authenticate: the key in CLE_API_KEY, when
 * set (the service asks for one when its API_KEYS is set). Never taken from the command line,
 * where it would land in shell history and process lists.
 */
export function authorizationHeaders(
  environment: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const key = environment.CLE_API_KEY;
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** A failure worth one line to the operator (no stack): unreachable, refused, failed. */
export class ServiceCliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceCliError';
  }
}

/**
 * A call to the running service's API, authenticated as above. No timeout of our own: a
 * service busy with a rebuild may answer slowly, and that is no reason to give up on it.
 * fetch's own limits (10 s to connect, 5 min for the headers) still apply.
 */
export async function callService(url: string, path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(`${url}${path}`, {
      ...init,
      headers: { ...authorizationHeaders(), ...(init.headers as Record<string, string>) },
    });
  } catch (error) {
    // fetch says only "fetch failed"; the cause names it (ECONNREFUSED, ENOTFOUND, timeout).
    const cause = (error as Error & { cause?: Error }).cause;
    throw new ServiceCliError(
      `cannot reach the service at ${url}: ${cause?.message ?? (error as Error).message}`,
    );
  }
}

/** The answer's JSON body, or a one-line error quoting what came instead. */
export async function readJson<T>(response: Response): Promise<T> {
  const text = await response.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ServiceCliError(
      `unexpected answer from ${response.url} (${response.status}): ${text.slice(0, 200)}`,
    );
  }
}

/** A bad command line: the CLI prints the usage and exits 2. */
export class UsageError extends Error {}

/** The service said no: the one-line reason from its error answer. */
export async function refusedError(response: Response, what: string): Promise<ServiceCliError> {
  const body = await response.text();
  const message = /"message":"([^"]*)"/.exec(body)?.[1] ?? body.slice(0, 300);
  return new ServiceCliError(`${what} was refused (${response.status}): ${message}`);
}

/**
 * Runs a CLI's main: a known failure is one line on stderr and exit 1, a bad command line the
 * usage and exit 2, anything else its stack and exit 1.
 */
export function runCli(name: string, usage: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const known = error instanceof ServiceCliError || error instanceof UsageError;
    const text = known ? error.message : error instanceof Error ? error.stack : String(error);
    process.stderr.write(`${name}: ${text}${error instanceof UsageError ? `\n${usage}` : ''}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  });
}
