import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { PG_DISK_FULL } from '../../postgres/storage-guard';
import { pgErrorCode } from '../../postgres/sql-client';
import {
  ReadModelQueryError,
  UnknownCollectionError,
} from '../../read-models/read-model-store.port';
import {
  ConflictError,
  ForbiddenError,
  InsufficientStorageError,
  ProjectionLagError,
  MalformedJsonError,
  NotFoundError,
  PayloadTooLargeError,
  RequestValidationError,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
} from './errors';
import { ErrorResponse } from './error-response';
import { allowedMethods, MethodNotAllowedError } from './method-not-allowed';

export type ErrorBody = ErrorResponse;

/** The one place errors become HTTP answers. Unknown errors are 500s and logged without payloads. */
export function toErrorBody(exception: unknown): ErrorBody {
  if (exception instanceof RequestValidationError) {
    return {
      statusCode: 400,
      error: 'Bad Request',
      message: exception.message,
      errors: exception.errors,
    };
  }
  if (exception instanceof MalformedJsonError) {
    return { statusCode: 400, error: 'Bad Request', message: exception.message };
  }
  if (exception instanceof PayloadTooLargeError) {
    return { statusCode: 413, error: 'Payload Too Large', message: exception.message };
  }
  if (exception instanceof UnsupportedMediaTypeError) {
    return { statusCode: 415, error: 'Unsupported Media Type', message: exception.message };
  }
  if (exception instanceof ReadModelQueryError) {
    return { statusCode: 400, error: 'Bad Request', message: exception.message };
  }
  if (exception instanceof UnknownCollectionError) {
    // A query that started on a generation a rebuild has just replaced and dropped.
    return {
      statusCode: 503,
      error: 'Service Unavailable',
      message: `${exception.message} (read models switched to a rebuilt generation); retry`,
    };
  }
  if (exception instanceof ProjectionLagError) {
    return { statusCode: 503, error: 'Service Unavailable', message: exception.message };
  }
  if (exception instanceof InsufficientStorageError || pgErrorCode(exception) === PG_DISK_FULL) {
    return {
      statusCode: 507,
      error: 'Insufficient Storage',
      message:
        exception instanceof InsufficientStorageError
          ? exception.message
          : 'writes are refused: the database reports its disk full; nothing was stored',
    };
  }
  if (exception instanceof MethodNotAllowedError) {
    return { statusCode: 405, error: 'Method Not Allowed', message: exception.message };
  }
  if (exception instanceof ConflictError) {
    return { statusCode: 409, error: 'Conflict', message: exception.message };
  }
  if (exception instanceof UnauthenticatedError) {
    return { statusCode: 401, error: 'Unauthorized', message: exception.message };
  }
  if (exception instanceof ForbiddenError) {
    return { statusCode: 403, error: 'Forbidden', message: exception.message };
  }
  if (exception instanceof NotFoundError) {
    return { statusCode: 404, error: 'Not Found', message: exception.message };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const { message, error } = (
      typeof response === 'string' ? { message: response } : response
    ) as {
      message?: unknown;
      error?: unknown;
    };
    return {
      statusCode: status,
      error: typeof error === 'string' ? error : exception.name,
      message: String(message ?? exception.message),
    };
  }
  return { statusCode: 500, error: 'Internal Server Error', message: 'internal error' };
}

/** Nest's "no route" 404 for a path that other methods serve: 405 with the methods allowed. */
function methodNotAllowed(exception: unknown, request: Request): MethodNotAllowedError | undefined {
  if (!(exception instanceof NotFoundException) || !request) return undefined;
  const allowed = allowedMethods(request);
  if (allowed.length === 0 || allowed.includes(request.method)) return undefined;
  return new MethodNotAllowedError(request.method, allowed);
}

function isHealthCheckResult(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'status' in body && 'details' in body;
}

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(caught: unknown, host: ArgumentsHost): void {
    const exception = methodNotAllowed(caught, host.switchToHttp().getRequest<Request>()) ?? caught;
    const body = toErrorBody(exception);
    if (body.statusCode >= 500) {
      // The error's name and message only: request bodies may hold personal data.
      const error = exception as Error;
      this.logger.error(
        `${error?.name ?? 'Error'}: ${error?.message ?? String(exception)}`,
        error?.stack,
      );
    }
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpException && isHealthCheckResult(exception.getResponse())) {
      // A failed readiness check: terminus's own body says which store is down, and why.
      response.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    if (exception instanceof UnauthenticatedError) response.setHeader('WWW-Authenticate', 'Bearer');
    if (exception instanceof MethodNotAllowedError)
      response.setHeader('Allow', exception.allowed.join(', '));
    response.status(body.statusCode).json(body);
  }
}
