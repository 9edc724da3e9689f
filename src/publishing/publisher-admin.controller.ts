import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequiresRole } from '../security/api-key.guard';
import { ApiAnswer } from '../http/openapi';
import type { PublisherAnswer } from '../http/responses';
import { OutboxRelayService } from './outbox-relay.service';

/** Operators: is the relay keeping up, and is it stuck retrying? */
@ApiTags('admin')
@RequiresRole('admin')
@Controller('v1/admin/publisher')
export class PublisherAdminController {
  constructor(private readonly relay: OutboxRelayService) {}

  @Get()
  @ApiOperation({ summary: 'The Kafka relay: last relayed sequence, failures, last error' })
  @ApiAnswer(200, 'PublisherAnswer', 'the relay state on this instance')
  status(): PublisherAnswer {
    return this.relay.status();
  }
}
