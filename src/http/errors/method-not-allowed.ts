import type { Request } from 'express';

/** The slice of Express's router a 405 needs (`app.router.stack` in Express 5). */
interface RouteLayer {
  readonly route?: { readonly path: string; readonly methods: Record<string, boolean> };
  match(path: string): unknown;
}

/**
 * The methods the app serves on the request's path, from the router's own table (so the answer
 * can never disagree with the routes): empty when no route matches the path at all.
 */
export function allowedMethods(request: Request): string[] {
  const stack = (request.app as unknown as { router?: { stack?: RouteLayer[] } }).router?.stack;
  const methods = new Set<string>();
  for (const layer of stack ?? []) {
    // Catch-alls (`/{*path}`, Nest's own not-found handling) serve no path in particular.
    if (!layer.route || layer.route.path.includes('*') || !layer.match(request.path)) continue;
    for (const method of Object.keys(layer.route.methods)) methods.add(method.toUpperCase());
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

export class MethodNotAllowedError extends Error {
  constructor(
    method: string,
    readonly allowed: readonly string[],
  ) {
    super(`${method} is not allowed here; allowed: ${allowed.join(', ')}`);
    this.name = 'MethodNotAllowedError';
  }
}
