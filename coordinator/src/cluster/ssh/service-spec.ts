/**
 * A long-running program etcdlab installs on a host (an etcd member, an agent), described once and
 * rendered either as a systemd unit or as arguments for the fallback supervisor. Pure.
 */
export interface ServiceSpec {
  /** Unit name without `.service`, e.g. etcdlab-lab-etcd. */
  name: string;
  description: string;
  /** argv; `${NAME}` as a whole argument is taken from `env` (systemd expands it, the fallback gets the value). */
  execStart: string[];
  workingDirectory: string;
  /** Written to `envFile` with mode 0600; values may be secret and never go on a command line. */
  env?: Record<string, string>;
  envFile?: string;
  /** Names in `env` whose values may appear on the command line after expansion (not secrets). */
  publicEnv?: string[];
  /** An argument unique to this service's main process (a config or log path): how the fallback recognizes its processes. */
  marker: string;
  limitNoFile: number;
  /** Best-effort I/O class, priority 0 (etcd's docs recommend it for members). */
  ioBestEffort0: boolean;
  restartSec: number;
}

/** Characters that mean the same in a systemd EnvironmentFile and a POSIX shell `. file` without quoting. */
const SAFE_ENV_VALUE = /^[A-Za-z0-9._:/@%+=,-]*$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

export function renderEnvFile(env: Record<string, string>): string {
  const lines = ['# Written by etcdlab; read by the service (mode 0600: it holds the token).'];
  for (const [k, v] of Object.entries(env)) {
    if (!ENV_NAME.test(k)) throw new Error(`environment name ${k} is not NAME_LIKE_THIS`);
    if (!SAFE_ENV_VALUE.test(v)) throw new Error(`environment value of ${k} has characters that need quoting; etcdlab only writes plain values`);
    lines.push(`${k}=${v}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * systemd's quoting for one ExecStart word (systemd.service(5), "Command lines"): double quotes with C
 * escapes for \\ and " and every control character (a newline would otherwise end the line and start a
 * new setting), $$ for $ and %% for % (specifiers); `${NAME}` words stay for expansion.
 */
export function unitWord(word: string): string {
  if (/^\$\{[A-Z_][A-Z0-9_]*\}$/.test(word)) return word;
  if (/^[A-Za-z0-9._:/@+=,-]+$/.test(word)) return word;
  let out = '';
  for (const ch of word) {
    const c = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '$') out += '$$';
    else if (ch === '%') out += '%%';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `"${out}"`;
}

/** A path setting (WorkingDirectory=, EnvironmentFile=): taken verbatim by systemd, so only a plain absolute path is written. */
function unitPath(setting: string, p: string): string {
  if (!/^\/[A-Za-z0-9._/-]*$/.test(p)) throw new Error(`${setting}: ${JSON.stringify(p)} is not a plain absolute path; etcdlab writes no other`);
  return p;
}

/** A free-text setting (Description=): one line, specifiers escaped. */
function unitText(t: string): string {
  // eslint-disable-next-line no-control-regex
  return t.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/%/g, '%%');
}

export function renderUnit(spec: ServiceSpec): string {
  const service = [
    'Type=simple',
    ...(spec.envFile ? [`EnvironmentFile=${unitPath('EnvironmentFile', spec.envFile)}`] : []),
    `WorkingDirectory=${unitPath('WorkingDirectory', spec.workingDirectory)}`,
    `ExecStart=${unitPath('ExecStart', spec.execStart[0] ?? '')} ${spec.execStart.slice(1).map(unitWord).join(' ')}`.trimEnd(),
    // Restart policy: back after a crash or a kill, not after a clean exit.
    'Restart=on-failure',
    `RestartSec=${spec.restartSec}s`,
    `LimitNOFILE=${spec.limitNoFile}`,
    ...(spec.ioBestEffort0 ? ['IOSchedulingClass=best-effort', 'IOSchedulingPriority=0'] : []),
    'TimeoutStopSec=30s',
  ];
  return [
    '# Written by etcdlab; `etcdlab cluster clean` removes it.',
    '[Unit]',
    `Description=${unitText(spec.description)}`,
    'After=network-online.target',
    'Wants=network-online.target',
    // Keep restarting a crashing service at a bounded rate rather than giving up after 5 tries in 10 s.
    'StartLimitIntervalSec=60',
    'StartLimitBurst=10',
    '',
    '[Service]',
    ...service,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/**
 * The argv the fallback supervisor runs: `${NAME}` words replaced by their values. Only names listed in
 * publicEnv may be expanded (a secret must never reach a command line, where `ps` shows it).
 */
export function resolvedArgv(spec: ServiceSpec): string[] {
  return spec.execStart.map((w) => {
    const m = /^\$\{([A-Z_][A-Z0-9_]*)\}$/.exec(w);
    if (!m) return w;
    const name = m[1] as string;
    if (!spec.publicEnv?.includes(name)) throw new Error(`${spec.name}: \${${name}} is not a public value and cannot go on a command line`);
    const v = spec.env?.[name];
    if (v === undefined) throw new Error(`${spec.name}: \${${name}} is not set`);
    return v;
  });
}
