import fs from 'node:fs';
import { parsePolicy, PolicyError, STARTER_POLICY, type Policy } from '../sampling/policy.js';

/**
 * What `--sampling` names: `off` (undefined), `starter`, or a policy file, read and checked once at start. A file
 * that cannot be read or parsed, or an invalid policy, is a PolicyError naming the file (and the rule and field).
 */
export function samplingPolicy(spec: string): Policy | undefined {
  if (spec === 'off') return undefined;
  if (spec === 'starter') return STARTER_POLICY;
  let text: string;
  try {
    text = fs.readFileSync(spec, 'utf8');
  } catch (err) {
    throw new PolicyError(`${spec}: cannot read the policy file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); --sampling takes off, starter or a policy.json file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PolicyError(`${spec}: not JSON: ${(err as Error).message}`);
  }
  return parsePolicy(json, spec);
}
