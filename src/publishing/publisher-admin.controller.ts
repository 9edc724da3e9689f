import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequiresRole } from '../http/api-key.guard';
import { OutboxRelayService } from './outbox-relay.service';

/** Operators: is the relay keeping up, and is it stuck retrying? */
@ApiTags('admin')
@RequiresRole('admin')
@Controller('v1/admin/publisher')
export class PublisherAdminController {
  constructor(private readonly relay: OutboxRelayService) {}

  @Get()
  @ApiOperation({ summary: 'The Kafka relay: last relayed sequence, failures, last error' })
  status() {
    return this.relay.status();
  }
}
