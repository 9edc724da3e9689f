import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/http/configure-app';
import { withMasterKeys } from './master-keys';
import { touchpoints } from './touchpoints';

export interface RunningApp {
  readonly app: INestApplication;
  readonly http: () => ReturnType<typeof request>;
  readonly dataDir: string;
  close(): Promise<void>;
}

/**
 * Boots the real Nest app, wired as main.ts wires it, on its own embedded data folder
 * (or `environment.DATABASE_URL`), listening on an ephemeral port.
 */
export async function startApp(
  environment: Record<string, string> = {},
  dataDir?: string,
): Promise<RunningApp> {
  const folder = dataDir ?? mkdtempSync(join(tmpdir(), 'cle-e2e-'));
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppModule.forEnvironment(
        withMasterKeys({ DATA_DIR: folder, LOG_LEVEL: 'silent', ...environment }),
      ),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ bodyParser: false, logger: false });
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer();
  return {
    app,
    http: () => request(server),
    dataDir: folder,
    async close() {
      await app.close();
      if (!dataDir) rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Posts a new prospect and reads its customer 360 back, waiting for the projection to reach it. */
export async function newProspectReadBack(running: RunningApp) {
  const customerId = `c-${randomUUID()}`;
  const ingest = await running
    .http()
    .post('/v1/touchpoints')
    .send(touchpoints.prospect(customerId))
    .expect(201);
  return running.http().get(`/v1/customers/${customerId}?minPosition=${ingest.body.position}`);
}

/** Waits until the app's Kafka ingest reports it is consuming. */
export async function kafkaIngestConsuming(app: RunningApp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await app.http().get('/v1/admin/ingest').expect(200);
    if (body.kafka.state === 'consuming') return;
    if (Date.now() > deadline) throw new Error(`ingest not consuming: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
