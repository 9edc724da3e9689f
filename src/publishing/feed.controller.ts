import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { PageParams } from '../views/customer/query-params';
import { ReadYourWrites } from '../views/customer/read-your-writes';
import { RequiresRole } from '../security/api-key.guard';
import { ApiAnswer, ApiQueryFrom } from '../http/openapi';
import type { CloudEventAnswer, FeedAnswer } from '../http/responses';
import { parseQuery } from '../http/errors/validation-errors';
import { formatSequence, SEQUENCE_PATTERN } from '../outbox/outbox-messages';
import { CLOUDEVENTS_SOURCE, OutboundMessage, Topic, TOPICS } from '../outbox/outbound-message';
import { ReadModelOutbox } from './read-model-outbox';

export class FeedParams extends PageParams {
  @IsOptional()
  @Matches(SEQUENCE_PATTERN, { message: 'after must be a cursor returned by the feed' })
  after?: string;

  @IsOptional()
  @IsIn(Object.values(TOPICS))
  topic?: Topic;
}

/**
 * The same messages Kafka gets, for consumers without Kafka: CloudEvents 1.0 in structured JSON
 * form, oldest first, with `sequence` (the cursor) and `topic` as extension attributes.
 */
@ApiTags('downstream')
@RequiresRole('read')
@Controller('v1/feed')
export class FeedController {
  constructor(
    private readonly outbox: ReadModelOutbox,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'The outbox as CloudEvents (structured JSON), oldest first, from a cursor',
  })
  @ApiQueryFrom(FeedParams)
  @ApiAnswer(200, 'FeedAnswer', 'the messages after the cursor, oldest first')
  async feed(@Query() query: Record<string, unknown>): Promise<FeedAnswer> {
    const params = parseQuery(FeedParams, query);
    await this.readYourWrites.await(params.minPosition);
    const after = params.after === undefined ? undefined : formatSequence(BigInt(params.after));
    const messages = await this.outbox.readAfter(after, params.limit ?? 100, params.topic);
    return {
      messages: messages.map(toCloudEvent),
      nextCursor: messages.length > 0 ? messages[messages.length - 1].sequence : (after ?? null),
    };
  }
}

function toCloudEvent(message: OutboundMessage): CloudEventAnswer {
  return {
    specversion: '1.0',
    id: message.id,
    source: CLOUDEVENTS_SOURCE,
    type: message.type,
    subject: message.customerId,
    time: message.time,
    datacontenttype: 'application/json',
    sequence: message.sequence,
    topic: message.topic,
    data: message.data,
  };
}
