/**
 * The driver's built-in `:rule` levels (its armadaPathRules). A rule is either a fixed list of values
 * (one key per value) or a regex generating a single value per driver. The driver ignores a `[N]` count
 * after a rule, and so does etcdlab, so that a pattern gives the same number of keys in both.
 */
export type PatternRule = { kind: 'list'; values: readonly string[] } | { kind: 'regex'; regex: string } | { kind: 'ip' };

export const PATTERN_RULES: Readonly<Record<string, PatternRule>> = {
  actual_desired: { kind: 'list', values: ['actual', 'desired'] },
  clusterid: { kind: 'regex', regex: '[0-9]{2}[a-f0-9]{37}' },
  masterid: { kind: 'regex', regex: '[a-f0-9]{37}' },
  region: { kind: 'list', values: ['us-south', 'us-east', 'eu-frank', 'au-south'] },
  state: {
    kind: 'list',
    values: ['unprovisioned', 'provisioning', 'provision_failed', 'provisioned', 'deploying', 'deploy_failed', 'deployed', 'deleting', 'delete_failed', 'deletefailed', 'deleted'],
  },
  workerid: { kind: 'regex', regex: 'dev-mex01-[a-f0-9]{37}' },
  // The driver used its pod's IP so that drivers never share keys; etcdlab gives each simulated driver its own.
  ip: { kind: 'ip' },
};

export const RULE_NAMES = Object.keys(PATTERN_RULES);

/** The `:ip` of simulated driver d: a 10.0.0.0/8 address, distinct for the first 16 million drivers. */
export function driverIp(driver: number): string {
  const n = driver + 1;
  return `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}
