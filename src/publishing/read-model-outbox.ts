import { Inject, Injectable } from '@nestjs/common';
import { ProjectionEngine } from '../projection-engine/projection-engine.service';
import { READ_MODEL_STORE, ReadModelStore } from '../read-models/read-model-store.port';
import { formatSequence, lastSequenceAt } from '../outbox/outbox-messages';
import { OutboxSource, RelayCheckpoints } from './publisher.port';
import { OutboundMessage, Topic } from '../outbox/outbound-message';

/**
 * The outbox as the projection engine writes it: documents of the active generation, read no
 * further than the projection's checkpoint. Below the checkpoint every batch is complete, so a
 * reader never sees a later message before an earlier one that a crash could still replay.
 */
@Injectable()
export class ReadModelOutbox implements OutboxSource {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    private readonly engine: ProjectionEngine,
  ) {}

  async readAfter(
    after: string | undefined,
    limit: number,
    topic?: Topic,
  ): Promise<readonly OutboundMessage[]> {
    const checkpoint = this.engine.checkpoint();
    if (checkpoint === undefined) return [];
    const page = await this.readModels.find(this.engine.collections().outbox, {
      where: {
        sequence: {
          lte: lastSequenceAt(checkpoint),
          ...(after === undefined ? {} : { gt: after }),
        },
        ...(topic === undefined ? {} : { topic: { eq: topic } }),
      },
      sort: { field: 'sequence', direction: 'asc' },
      limit,
    });
    return page.documents.map((document) => document.body as unknown as OutboundMessage);
  }

  /** The relay's checkpoint, kept in the read-model store beside the outbox. */
  checkpoints(name: string): RelayCheckpoints {
    return {
      load: async () => {
        const position = await this.readModels.readCheckpoint(name);
        return position === undefined ? undefined : formatSequence(position);
      },
      save: async (sequence) => {
        await this.readModels.write(this.engine.collections().outbox, [], {
          name,
          position: BigInt(sequence),
        });
      },
    };
  }
}
