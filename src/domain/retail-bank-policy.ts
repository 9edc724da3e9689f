/** The bundled retail-bank policy, parsed (and so checked) once at load. */
import { type Policy, parsePolicy } from '../../projections/policy';
import retailBankV1 from '../../policy/retail-bank.v1.json';

export const RETAIL_BANK_POLICY_V1: Policy = parsePolicy(retailBankV1);
