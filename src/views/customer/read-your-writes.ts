import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Environment } from '../../config/environment';
import { EVENT_STORE, EventStore } from '../../event-store/event-store.port';
import { ProjectionLagError, RequestValidationError } from '../../http/errors/errors';
import { ProjectionEngine } from '../../projection-engine/projection-engine.service';

/** Holds a query until the projection has reached the position a writer was given, briefly. */
@Injectable()
export class ReadYourWrites {
  private readonly timeoutMs: number;

  constructor(
    private readonly engine: ProjectionEngine,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    config: ConfigService<Environment, true>,
  ) {
    this.timeoutMs = config.get('READ_YOUR_WRITES_TIMEOUT_MS', { infer: true });
  }

  async await(minPosition: string | undefined): Promise<void> {
    if (minPosition === undefined) return;
    const position = BigInt(minPosition);
    if (await this.engine.reached(position, this.timeoutMs)) return;
    // Checked only after the wait: a position just acknowledged may not be visible at once.
    const head = await this.events.headPosition();
    if (head === undefined || position > head) {
      throw new RequestValidationError([
        {
          field: 'minPosition',
          rule: 'isRecordedPosition',
          message: `minPosition ${minPosition} is beyond the newest recorded position (${head ?? 'none yet'}); pass a position an ingest answer gave`,
        },
      ]);
    }
    throw new ProjectionLagError(minPosition, this.timeoutMs);
  }
}
