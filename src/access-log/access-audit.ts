import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiHeader } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { catchError, concatMap, from, Observable, throwError } from 'rxjs';
import { callerOf, requiredRoleOf } from '../security/api-key.guard';
import { RequestValidationError } from '../http/errors/errors';
import { toErrorBody } from '../http/errors/http-exception.filter';
import { CUSTOMER_ID_PATTERN } from '../ingest/touchpoint.dto';
import {
  ACCESS_LOG,
  AccessAction,
  AccessLog,
  AccessOutcome,
  NewAccessRecord,
} from './access-log.port';

const AUDITED = 'cle:access-audited';

/**
 * `X-Purpose`: why the data is read, as a case or ticket reference (`AML-2026-0113`,
 * `DSR 4411`). Kept in the access log, so it must not name a person.
 */
export const PURPOSE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._:/#-]{1,118}[A-Za-z0-9._:/#-]$/;

interface AuditedRoute {
  readonly action: AccessAction | ((request: Request) => AccessAction);
  readonly purposeRequired: boolean;
}

/** Counts and ids a handler adds to its access record (never personal values). */
export function addAccessDetails(
  request: Request,
  details: Readonly<Record<string, string | number | boolean>>,
): void {
  const holder = request as Request & { accessDetails?: Record<string, string | number | boolean> };
  holder.accessDetails = { ...holder.accessDetails, ...details };
}

const detailsOf = (request: Request) =>
  (request as Request & { accessDetails?: Record<string, string | number | boolean> })
    .accessDetails ?? {};

/**
 * Every call of the route writes an access record (who, which route, which customer, why, when,
 * how it ended) before its answer leaves: a read of personal data whose record cannot be stored
 * is not answered. With `purposeRequired`, a call without a valid `X-Purpose` is refused (400)
 * and recorded as refused.
 */
export const AccessAudited = (
  action: AuditedRoute['action'],
  options: { readonly purposeRequired: boolean },
) =>
  applyDecorators(
    SetMetadata(AUDITED, { action, purposeRequired: options.purposeRequired } as AuditedRoute),
    ApiHeader({
      name: 'X-Purpose',
      required: options.purposeRequired,
      description:
        'Why: a case or ticket reference (never a name), kept in the access log (GET /v1/audit/access)',
      schema: { type: 'string', pattern: PURPOSE_PATTERN.source },
    }),
  );

/** Applied to every route; acts on those marked @AccessAudited. */
@Injectable()
export class AccessAuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    @Inject(ACCESS_LOG) private readonly log: AccessLog,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const audited = this.reflector.get<AuditedRoute | undefined>(AUDITED, context.getHandler());
    if (!audited || context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    const purposeHeader = request.header('x-purpose');
    const purpose =
      purposeHeader !== undefined && PURPOSE_PATTERN.test(purposeHeader) ? purposeHeader : null;
    const customerId = request.params?.customerId;
    // Only a well-formed id is kept: a path segment could hold anything (a NUL, an email).
    const knownId = typeof customerId === 'string' && CUSTOMER_ID_PATTERN.test(customerId);
    const record = (outcome: AccessOutcome, status: number): Promise<unknown> =>
      this.log.record({
        at: new Date().toISOString(),
        keyName: callerOf(request).keyName,
        role: requiredRoleOf(this.reflector, context),
        route: `${request.method} ${(request.route as { path?: string } | undefined)?.path ?? request.path}`,
        action: typeof audited.action === 'function' ? audited.action(request) : audited.action,
        customerId: knownId ? customerId : null,
        purpose,
        outcome,
        status,
        details: detailsOf(request),
      } satisfies NewAccessRecord);

    if (purpose === null && (audited.purposeRequired || purposeHeader !== undefined)) {
      const refusal = new RequestValidationError([
        purposeHeader === undefined
          ? {
              field: 'X-Purpose',
              rule: 'isPresent',
              message: 'X-Purpose is required: why the data is read, as a case or ticket reference',
            }
          : {
              field: 'X-Purpose',
              rule: 'matches',
              message: `X-Purpose must be a case or ticket reference of 3 to 120 letters, digits and " ._:/#-"`,
            },
      ]);
      return from(record('refused', 400).catch(() => undefined)).pipe(
        concatMap(() => throwError(() => refusal)),
      );
    }
    return next.handle().pipe(
      concatMap(async (value: unknown) => {
        await record('done', response.statusCode);
        return value;
      }),
      catchError((error: unknown) => {
        const status = toErrorBody(error).statusCode;
        // The original error is answered even when its record cannot be stored.
        return from(
          record(status < 500 ? 'refused' : 'failed', status).catch(() => undefined),
        ).pipe(concatMap(() => throwError(() => error)));
      }),
    );
  }
}
