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
