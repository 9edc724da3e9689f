import { Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { readFileSync } from 'node:fs';
import { parsePolicy, Policy } from '../../projections';
import { Environment } from './environment';
import { bundledPath } from './package-root';
import { StartupError } from './startup-error';

export const POLICY = Symbol('Policy');

export class InvalidPolicyError extends StartupError {
  constructor(file: string, reason: string) {
    super(`Invalid policy file ${file}: ${reason}`);
    this.name = 'InvalidPolicyError';
  }
}

/**
 * Reads and validates the policy file once, at start-up: a bad file stops the service. A relative
 * path is taken from the package root, so the service starts from any working directory.
 */
export function loadPolicy(file: string): Policy {
  const path = bundledPath(file);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidPolicyError(path, (error as Error).message);
  }
  try {
    return parsePolicy(json);
  } catch (error) {
    throw new InvalidPolicyError(path, (error as Error).message);
  }
}

export const policyProvider: Provider = {
  provide: POLICY,
  inject: [ConfigService],
  useFactory: (config: ConfigService<Environment, true>) =>
    loadPolicy(config.get('POLICY_FILE', { infer: true })),
};
