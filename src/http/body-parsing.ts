import type { INestApplication } from '@nestjs/common';
import express from 'express';
import { MalformedJsonError, PayloadTooLargeError, UnsupportedMediaTypeError } from './errors';
import { toErrorBody } from './http-exception.filter';

/**
 * JSON body parsing with our own limit and error answers: body-parser's failures happen before
 * Nest's routing, so they are mapped here to the same typed errors and error body.
 */
export function useJsonBodies(app: INestApplication, limitBytes: number): void {
  // Not strict: a valid JSON scalar is answered by the routes ("must be an object"), not as malformed.
  app.use(
    express.json({
      limit: limitBytes,
      strict: false,
      type: ['application/json', 'application/*+json'],
    }),
  );
  app.use(
    (
      error: unknown,
      _request: express.Request,
      response: express.Response,
      next: express.NextFunction,
    ) => {
      const type = (error as { type?: string } | null)?.type;
      const mapped =
        type === 'entity.parse.failed'
          ? new MalformedJsonError((error as Error).message)
          : type === 'entity.too.large'
            ? new PayloadTooLargeError(limitBytes)
            : type === 'encoding.unsupported' || type === 'charset.unsupported'
              ? new UnsupportedMediaTypeError('application/json; charset=utf-8')
              : undefined;
      if (!mapped) return next(error);
      const body = toErrorBody(mapped);
      response.status(body.statusCode).json(body);
    },
  );
}
