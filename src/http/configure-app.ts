import { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Environment } from '../config/environment';
import { useJsonBodies } from './body-parsing';
import { serveOpenApi } from './openapi';

/** What main.ts and the e2e tests both apply to the Nest app, so tests run the real wiring. */
export function configureApp(app: INestApplication): void {
  const config = app.get(ConfigService<Environment, true>);
  useJsonBodies(
    app,
    config.get('INGEST_MAX_BODY_BYTES', { infer: true }),
    config.get('JSON_MAX_DEPTH', { infer: true }),
  );
  if (config.get('API_DOCS', { infer: true })) serveOpenApi(app);
  app.enableShutdownHooks();
}
