import 'reflect-metadata';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { Environment, InvalidEnvironmentError } from './config/environment';
import { configureApp } from './http/configure-app';

async function bootstrap(): Promise<void> {
  let appModule;
  try {
    // Checked before Nest starts so a bad variable gives one line, not a stack trace.
    appModule = AppModule.forEnvironment(process.env);
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const app = await NestFactory.create(appModule, { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(Logger));
  configureApp(app);
  const port = app.get(ConfigService<Environment, true>).get('PORT', { infer: true });
  await app.listen(port, '0.0.0.0');
  app.get(Logger).log(`customer-lifecycle engine listening on port ${port}`);
}

void bootstrap();
