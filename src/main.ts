import 'reflect-metadata';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { Environment } from './config/environment';
import { StartupError } from './config/startup-error';
import { configureApp } from './http/configure-app';

/** A condition that stops start-up is one line on stderr and exit code 1, not a stack trace. */
function refuseToStart(error: unknown): never {
  const startup = findStartupError(error);
  if (!startup) throw error;
  process.stderr.write(`${startup.message}\n`);
  process.exit(1);
}

/** Nest may wrap a provider's error; look through `cause`. */
function findStartupError(error: unknown): StartupError | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof StartupError) return current;
  }
  return undefined;
}

async function bootstrap(): Promise<void> {
  let appModule;
  try {
    // Checked before Nest starts so a bad variable gives one line, not a stack trace.
    appModule = AppModule.forEnvironment(process.env);
  } catch (error) {
    refuseToStart(error);
  }
  // abortOnError false: a provider that refuses to start (a data folder in use...) reaches the
  // catch below instead of aborting the process with a core dump; no logger until then, so
  // that refusal is the only line (start-up logs are buffered and go to pino once it starts).
  const app = await NestFactory.create(appModule, {
    bodyParser: false,
    bufferLogs: true,
    logger: false,
    abortOnError: false,
  }).catch(refuseToStart);
  app.useLogger(app.get(Logger));
  configureApp(app);
  const port = app.get(ConfigService<Environment, true>).get('PORT', { infer: true });
  await app.listen(port, '0.0.0.0');
  app.get(Logger).log(`customer-lifecycle engine listening on port ${port}`);
}

void bootstrap();
