import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Environment } from '../config/environment';
import { ProjectionLagError } from '../http/errors';
import { ProjectionEngine } from '../projection-engine/projection-engine.service';

/** Holds a query until the projection has reached the position a writer was given, briefly. */
@Injectable()
export class ReadYourWrites {
  private readonly timeoutMs: number;

  constructor(
    private readonly engine: ProjectionEngine,
    config: ConfigService<Environment, true>,
  ) {
    this.timeoutMs = config.get('READ_YOUR_WRITES_TIMEOUT_MS', { infer: true });
  }

  async await(minPosition: string | undefined): Promise<void> {
    if (minPosition === undefined) return;
    if (!(await this.engine.reached(BigInt(minPosition), this.timeoutMs))) {
      throw new ProjectionLagError(minPosition, this.timeoutMs);
    }
  }
}
