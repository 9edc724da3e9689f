import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccessAudited } from '../access-log/access-audit';
import { RequiresRole } from '../security/api-key.guard';
import { ApiAnswer, ApiErrorAnswer } from '../http/openapi';
import type { ProjectionsAnswer, RebuildAnswer } from '../http/responses';
import { ProjectionEngine } from './projection-engine.service';

/** Operators: projection progress and lag, and rebuilds. */
@ApiTags('admin')
@RequiresRole('admin')
@Controller('v1/admin/projections')
export class ProjectionsAdminController {
  constructor(private readonly engine: ProjectionEngine) {}

  @Get()
  @ApiOperation({ summary: 'Per projection: checkpoint, head, lag, state, rebuild progress' })
  @ApiAnswer(200, 'ProjectionsAnswer', 'every projection with its progress')
  async list(): Promise<ProjectionsAnswer> {
    return { projections: await this.engine.status() };
  }

  /** 202: the rebuild runs in the background; follow it in GET /v1/admin/projections. */
  @Post(':name/rebuild')
  @AccessAudited('rebuild', { purposeRequired: false })
  @ApiOperation({
    summary: 'Rebuild from position zero into a fresh generation, switch over when caught up',
  })
  @HttpCode(202)
  @ApiAnswer(202, 'RebuildAnswer', 'the rebuild started; follow it in GET /v1/admin/projections')
  @ApiErrorAnswer(
    409,
    'a rebuild is already running, or another instance holds the lease and must run it',
  )
  async rebuild(@Param('name') name: string): Promise<RebuildAnswer> {
    return { rebuild: await this.engine.rebuild(name) };
  }
}
