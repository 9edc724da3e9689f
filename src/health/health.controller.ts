import { Controller, Get, Inject } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Environment } from '../config/environment';
import { EVENT_STORE, EventStore } from '../event-store/event-store.port';
import { PublicRoute } from '../security/api-key.guard';
import { StorageGuard } from '../postgres/storage-guard';
import { READ_MODEL_STORE, ReadModelStore } from '../read-models/read-model-store.port';

/**
 * For orchestrators: readiness (`/health`, `/health/ready`: do the configured stores answer?) and
 * liveness (`/health/live`: does the process answer at all?). A store outage makes an instance
 * unready, never "dead": restarting it would not bring the store back.
 */
@ApiTags('operations')
@PublicRoute()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    private readonly config: ConfigService<Environment, true>,
    private readonly storage: StorageGuard,
  ) {}

  @Get(['', 'ready'])
  @ApiOperation({ summary: 'Readiness: do the configured stores answer, and take writes?' })
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.probe('eventStore', this.backend('EVENT_STORE'), () => this.events.headPosition()),
      () =>
        this.probe('readModels', this.backend('READ_MODEL_STORE'), () =>
          this.readModels.readCheckpoint('health'),
        ),
      () => this.writable(),
    ]);
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers (no store is asked)' })
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Down while writes are refused (the data volume below its reserve, or a server's disk full). */
  private writable() {
    const indicator = this.indicators.check('storage');
    const { writable, reason, ...volume } = this.storage.status();
    return writable ? indicator.up(volume) : indicator.down({ ...volume, message: reason });
  }

  private backend(variable: 'EVENT_STORE' | 'READ_MODEL_STORE'): string {
    const backend = this.config.get(variable, { infer: true });
    if (backend !== 'postgres') return backend;
    return this.config.get('DATABASE_URL', { infer: true }) ? 'postgres' : 'pglite';
  }

  private async probe(name: string, kind: string, call: () => Promise<unknown>) {
    const indicator = this.indicators.check(name);
    try {
      await call();
      return indicator.up({ kind });
    } catch (error) {
      return indicator.down({ kind, message: (error as Error).message });
    }
  }
}
