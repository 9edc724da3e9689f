import {
  CanActivate,
  ExecutionContext,
  Injectable,
  Logger,
  SetMetadata,
  applyDecorators,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiKeyHolder, hashApiKey, parseApiKeys, Role } from './api-keys';
import { Environment } from '../config/environment';
import { ForbiddenError, UnauthenticatedError } from '../http/errors/errors';

const ROLE_KEY = 'cle:requires-role';
const PUBLIC = 'public';

/** Who called: set on the request by the guard (`anonymous` when API keys are off). */
export interface Caller {
  readonly keyName: string;
}

export const callerOf = (request: Request): Caller =>
  (request as Request & { caller?: Caller }).caller ?? { keyName: 'anonymous' };

/** The role a route needs: its handler's, else its controller's, else `admin`. */
export function requiredRoleOf(reflector: Reflector, context: ExecutionContext): string {
  return (
    reflector.getAllAndOverride<string | undefined>(ROLE_KEY, [
      context.getHandler(),
      context.getClass(),
    ]) ?? 'admin'
  );
}

/** The role a controller's (or one handler's) routes need when API keys are configured. */
export const RequiresRole = (role: Role) =>
  applyDecorators(SetMetadata(ROLE_KEY, role), ApiBearerAuth());

/** Open to anyone who reaches the port (health probes). */
export const PublicRoute = () => SetMetadata(ROLE_KEY, PUBLIC);

function presentedKey(request: Request): string | undefined {
  const authorization = request.header('authorization');
  const bearer = authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  return bearer ?? request.header('x-api-key') ?? undefined;
}

/**
 * With API_KEYS set, every route needs a key holding its role; a route that declares none needs
 * `admin` (deny by default). Without API_KEYS everything is open, as on a developer's machine,
 * and the start-up log says so.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly holders?: ReadonlyMap<string, ApiKeyHolder>;

  constructor(
    private readonly reflector: Reflector,
    config: ConfigService<Environment, true>,
  ) {
    const keys = config.get('API_KEYS', { infer: true });
    if (keys) {
      this.holders = parseApiKeys(keys);
    } else {
      new Logger(ApiKeyGuard.name).warn(
        'API_KEYS is not set: every route is open to anyone who can reach the port',
      );
    }
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.holders) return true;
    const required = requiredRoleOf(this.reflector, context);
    if (required === PUBLIC) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const key = presentedKey(request);
    const holder = key === undefined ? undefined : this.holders.get(hashApiKey(key));
    if (!holder) throw new UnauthenticatedError();
    if (!holder.roles.has(required as Role)) throw new ForbiddenError(required as Role);
    (request as Request & { caller?: Caller }).caller = { keyName: holder.name };
    return true;
  }
}
