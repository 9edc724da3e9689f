import type { INestApplication } from '@nestjs/common';
import express from 'express';
import {
  MalformedJsonError,
  PayloadTooLargeError,
  RequestValidationError,
  UnsupportedMediaTypeError,
} from './errors/errors';
import { toErrorBody } from './errors/http-exception.filter';
import { jsonDepthExceeds, unstorableValues } from './json-hygiene';

/** Marks the verify hook's refusal so the error mapper below knows it. */
class TooDeepError extends Error {
  readonly status = 400;
  constructor(readonly limit: number) {
    super(`JSON nests deeper than ${limit} levels`);
  }
}

/**
 * JSON body parsing with our own limits and error answers: body-parser's failures happen before
 * Nest's routing, so they are mapped here to the same typed errors and error body. Then every
 * request's values are checked once for what no store can hold (json-hygiene.ts), before any
 * route sees them: the query string, the path and the body.
 */
export function useJsonBodies(app: INestApplication, limitBytes: number, maxDepth: number): void {
  // Not strict: a valid JSON scalar is answered by the routes ("must be an object"), not as malformed.
  app.use(
    express.json({
      limit: limitBytes,
      strict: false,
      type: ['application/json', 'application/*+json'],
      verify: (_request, _response, raw) => {
        if (jsonDepthExceeds(raw, maxDepth)) throw new TooDeepError(maxDepth);
      },
    }),
  );
  app.use(
    (
      error: unknown,
      _request: express.Request,
      response: express.Response,
      next: express.NextFunction,
    ) => {
      const mapped = mapParserError(error, limitBytes);
      if (!mapped) return next(error);
      const body = toErrorBody(mapped);
      response.status(body.statusCode).json(body);
    },
  );
  app.use((request: express.Request, response: express.Response, next: express.NextFunction) => {
    const errors = [
      ...unstorableValues(pathSegments(request.path), 'path'),
      ...queryValues(request.originalUrl).flatMap(([name, value]) => unstorableValues(value, name)),
      ...(request.body === undefined ? [] : unstorableValues(request.body)),
    ];
    if (errors.length === 0) return next();
    const body = toErrorBody(new RequestValidationError(errors));
    response.status(body.statusCode).json(body);
  });
}

function mapParserError(error: unknown, limitBytes: number): Error | undefined {
  const type = (error as { type?: string } | null)?.type;
  if (type === 'entity.verify.failed') {
    const { limit } = error as TooDeepError;
    return new RequestValidationError([
      { field: '', rule: 'maxDepth', message: `JSON must not nest deeper than ${limit} levels` },
    ]);
  }
  if (type === 'entity.parse.failed') return new MalformedJsonError((error as Error).message);
  if (type === 'entity.too.large') return new PayloadTooLargeError(limitBytes);
  if (type === 'encoding.unsupported' || type === 'charset.unsupported')
    return new UnsupportedMediaTypeError('application/json; charset=utf-8');
  return undefined;
}

function pathSegments(path: string): string[] {
  return path.split('/').map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  });
}

function queryValues(url: string): [string, string][] {
  const query = url.indexOf('?');
  if (query < 0) return [];
  return [...new URLSearchParams(url.slice(query + 1)).entries()].flatMap(([name, value]) => [
    [`query.${name}`, name],
    [`query.${name}`, value],
  ]);
}
