import { readFileSync } from 'node:fs';
import { parsePolicy, Policy } from '../../projections';
import { bundledPath } from './package-root';
import { StartupError } from './startup-error';

export class InvalidPolicyError extends StartupError {
  constructor(file: string, reason: string) {
    super(`Invalid policy file ${file}: ${reason}`);
    this.name = 'InvalidPolicyError';
  }
}

/**
 * Reads and validates a policy file, as written (the JSON object) and as validated: a bad file
 * stops the service. A relative path is taken from the package root, so the service starts from
 * any working directory.
 */
export function loadPolicyDocument(file: string): {
  document: Record<string, unknown>;
  policy: Policy;
} {
  const path = bundledPath(file);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidPolicyError(path, (error as Error).message);
  }
  try {
    return { document: json as Record<string, unknown>, policy: parsePolicy(json) };
  } catch (error) {
    throw new InvalidPolicyError(path, (error as Error).message);
  }
}
