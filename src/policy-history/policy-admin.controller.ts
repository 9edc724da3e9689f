import { Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccessAudited } from '../access-log/access-audit';
import { RequiresRole } from '../security/api-key.guard';
import { RequestValidationError } from '../http/errors/errors';
import { ApiAnswer, ApiErrorAnswer } from '../http/openapi';
import type { PolicyActivationAnswer, PolicyHistoryAnswer } from '../http/responses';
import { PolicyActivations } from './policy-activations.service';
import { PolicyActivation, PolicyTimeline } from './policy-timeline';
import { POLICY_TIMELINE } from './policy-timeline.provider';

const FILE_NAME = /^[A-Za-z0-9._-]{1,200}$/;

export const activationAnswer = ({
  position,
  eventId,
  activatedAt,
  policyVersion,
  contentHash,
  file,
}: PolicyActivation): PolicyActivationAnswer => ({
  policyVersion,
  contentHash,
  file,
  position: String(position),
  eventId,
  activatedAt,
});

/** Operators: which policy versions were in force from which position, and activating one. */
@ApiTags('admin')
@RequiresRole('admin')
@Controller('v1/admin/policies')
export class PolicyAdminController {
  constructor(
    private readonly activations: PolicyActivations,
    @Inject(POLICY_TIMELINE) private readonly timeline: PolicyTimeline,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every policy activation, oldest first, and the version in force' })
  @ApiAnswer(200, 'PolicyHistoryAnswer', 'the activations and the version in force')
  async history(): Promise<PolicyHistoryAnswer> {
    await this.activations.refresh();
    return {
      inForce: this.timeline.latest().policyVersion,
      activations: this.timeline.list().map(activationAnswer),
    };
  }

  /** Body: `{"file": "retail-bank.v2.json", "policy": { ...the policy file... }}`. */
  @Post()
  @HttpCode(201)
  @AccessAudited('policy-activation', { purposeRequired: false })
  @ApiOperation({
    summary:
      'Activate a policy version from the next position on (npm run policy -- activate policy/x.json)',
  })
  @ApiAnswer(201, 'PolicyActivationAnswer', 'the activation recorded')
  @ApiErrorAnswer(
    409,
    'that policy is in force already, or its version was used with other content',
  )
  async activate(@Body() body: unknown): Promise<PolicyActivationAnswer> {
    const { file, policy } = (body ?? {}) as { file?: unknown; policy?: unknown };
    if (typeof file !== 'string' || !FILE_NAME.test(file))
      throw new RequestValidationError([
        {
          field: 'file',
          rule: 'matches',
          message: 'file must be the policy file name, e.g. retail-bank.v2.json',
        },
      ]);
    if (typeof policy !== 'object' || policy === null || Array.isArray(policy))
      throw new RequestValidationError([
        {
          field: 'policy',
          rule: 'isObject',
          message: 'policy must be the policy document (a JSON object)',
        },
      ]);
    return activationAnswer(await this.activations.activate(policy, file));
  }
}
