import { parsePolicy, Policy, PolicyError } from '../../projections';
import { RequestValidationError } from '../http/errors/errors';

/** PolicyError's wording (projections/policy.ts) -> the rule names error answers use elsewhere. */
const RULES: readonly [RegExp, string][] = [
  [/^must be an object/, 'isObject'],
  [/^must be (an|a non-empty) array/, 'isArray'],
  [/^must be an integer/, 'isInt'],
  [/^must be a string matching/, 'matches'],
  [/^(must be one of|is not a marketing purpose)/, 'isIn'],
  [/^must list exactly/, 'listsEveryTier'],
  [/^must be "/, 'equals'],
  [/^must be greater than the band below/, 'isAscending'],
  [/^must list the base currency/, 'hasBaseCurrency'],
];

/** The `field: rule` form of a PolicyError, for a 400 naming both. */
export function policyFieldError(error: PolicyError) {
  const prefix = `policy field "${error.field}" `;
  const phrase = error.message.startsWith(prefix)
    ? error.message.slice(prefix.length)
    : error.message;
  const root = error.field === '(root)';
  return {
    field: root ? '(body)' : error.field,
    rule: RULES.find(([pattern]) => pattern.test(phrase))?.[1] ?? 'isValidPolicy',
    message: `${root ? 'the body' : error.field} ${phrase}`,
  };
}

/**
 * A candidate policy from a request body, checked exactly as the policy file is at start-up
 * (parsePolicy); an invalid one is a 400 naming the first bad field and its rule.
 */
export function parseCandidatePolicy(body: unknown): Policy {
  try {
    return parsePolicy(body);
  } catch (error) {
    if (error instanceof PolicyError) throw new RequestValidationError([policyFieldError(error)]);
    throw error;
  }
}
