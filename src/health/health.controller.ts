import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { SQL_CLIENT } from '../postgres/postgres.module';
import { SqlClient } from '../postgres/sql-client';

/** Liveness and readiness for operators and orchestrators: is the database answering? */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      async () => {
        const indicator = this.indicators.check('database');
        try {
          await this.sql.query('SELECT 1');
          return indicator.up({ kind: this.sql.kind });
        } catch (error) {
          return indicator.down({ kind: this.sql.kind, message: (error as Error).message });
        }
      },
    ]);
  }
}
