/**
 * Every failure a user can see is an EtcdlabError with a stable code (documented in docs/errors.md).
 * Input errors exit with status 2 and carry where the problem is and how to fix it.
 */
export interface Problem {
  /** File the problem is in, when there is one. */
  file?: string;
  /** Dotted path of the field, e.g. `phases[2].clients`. */
  field?: string;
  message: string;
  fix?: string;
}

export class EtcdlabError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly problems: Problem[];

  constructor(code: string, message: string, opts: { exitCode?: number; problems?: Problem[]; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = opts.exitCode ?? 1;
    this.problems = opts.problems ?? [];
  }

  /** Multi-line text for a terminal: the headline, then one line per problem; what came from input is made harmless. */
  describe(): string {
    // Our own texts may hold line breaks (a log tail); names from input (file, field) may hold nothing.
    const t = (x: string) => terminalSafe(x, { keepLines: true });
    const lines = [`error ${this.code}: ${t(this.message)}`];
    for (const p of this.problems) {
      const where = [p.file, p.field].filter(Boolean).map((x) => terminalSafe(String(x))).join(': ');
      lines.push(`  - ${where ? where + ': ' : ''}${t(p.message)}${p.fix ? `\n    fix: ${t(p.fix)}` : ''}`);
    }
    return lines.join('\n');
  }
}

/**
 * Text for a terminal from values that came from input: control characters (an escape sequence that
 * would clear the screen, a newline that would forge a line) are shown as \\xNN instead of acting.
 */
export function terminalSafe(text: string, o: { keepLines?: boolean } = {}): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (o.keepLines && (c === '\n' || c === '\t') ? c : `\\x${(c.codePointAt(0) as number).toString(16).padStart(2, '0')}`))
    // Invisible and direction-changing characters (a right-to-left override makes a name read backwards).
    .replace(INVISIBLE, (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`);
}

/** Zero-width characters, bidirectional controls and the byte-order mark. */
export const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** Bad input from the user (files, flags): nothing was started. Exit status 2. */
export class InputError extends EtcdlabError {
  constructor(code: string, message: string, problems: Problem[] = []) {
    super(code, message, { exitCode: 2, problems });
  }
}

/** The etcd cluster could not be brought up or reached. */
export class ClusterError extends EtcdlabError {}

/** An agent broke the protocol, was refused, or was lost. */
export class ProtocolError extends EtcdlabError {}

/** A remote host (SSH) could not be reached, refused us (host key, authentication), or a step on it failed. */
export class HostError extends EtcdlabError {}

/** Merged results do not add up: a bug or lost data, never silently ignored. */
export class IntegrityError extends EtcdlabError {}

export const ErrorCodes = {
  workloadUnreadable: 'E_WORKLOAD_UNREADABLE',
  workloadInvalid: 'E_WORKLOAD_INVALID',
  inventoryUnreadable: 'E_INVENTORY_UNREADABLE',
  inventoryInvalid: 'E_INVENTORY_INVALID',
  optionInvalid: 'E_OPTION_INVALID',
  portInUse: 'E_PORT_IN_USE',
  etcdNotFound: 'E_ETCD_NOT_FOUND',
  memberStartFailed: 'E_MEMBER_START_FAILED',
  memberBootstrapped: 'E_MEMBER_ALREADY_BOOTSTRAPPED',
  memberReplaceFailed: 'E_MEMBER_REPLACE_FAILED',
  clusterUnhealthy: 'E_CLUSTER_UNHEALTHY',
  endpointUnreachable: 'E_ENDPOINT_UNREACHABLE',
  tlsFileUnreadable: 'E_TLS_FILE_UNREADABLE',
  protocolVersion: 'E_PROTOCOL_VERSION',
  authToken: 'E_AUTH_TOKEN',
  payloadInvalid: 'E_PAYLOAD_INVALID',
  agentsMissing: 'E_AGENTS_MISSING',
  agentLost: 'E_AGENT_LOST',
  histogramMismatch: 'E_HISTOGRAM_MISMATCH',
  witnessMismatch: 'E_WITNESS_MISMATCH',
  runAborted: 'E_RUN_ABORTED',
  runDirInvalid: 'E_RUN_DIR_INVALID',
  agentPhaseFailed: 'E_AGENT_PHASE_FAILED',
  dockerUnavailable: 'E_DOCKER_UNAVAILABLE',
  dockerFailed: 'E_DOCKER_FAILED',
  imageUnavailable: 'E_IMAGE_UNAVAILABLE',
  clusterNotFound: 'E_CLUSTER_NOT_FOUND',
  hostKeyMismatch: 'E_HOST_KEY_MISMATCH',
  hostKeyUnknown: 'E_HOST_KEY_UNKNOWN',
  hostKeyRevoked: 'E_HOST_KEY_REVOKED',
  sshUnreachable: 'E_SSH_UNREACHABLE',
  sshAuthFailed: 'E_SSH_AUTH_FAILED',
  sshIdentity: 'E_SSH_IDENTITY',
  sshConnectionLost: 'E_SSH_CONNECTION_LOST',
  remoteStepFailed: 'E_REMOTE_STEP_FAILED',
  hostsFailed: 'E_HOSTS_FAILED',
  etcdSourceInvalid: 'E_ETCD_SOURCE_INVALID',
  agentsNotInstalled: 'E_AGENTS_NOT_INSTALLED',
  nodeRuntimeMissing: 'E_NODE_RUNTIME_MISSING',
  agentBundleFailed: 'E_AGENT_BUNDLE_FAILED',
  tlsSetupFailed: 'E_TLS_SETUP_FAILED',
  resultsInvalid: 'E_RESULTS_INVALID',
  resumeRefused: 'E_RESUME_REFUSED',
  usage: 'E_USAGE',
  keysCleanupFailed: 'E_KEYS_CLEANUP_FAILED',
  dumpFailed: 'E_DUMP_FAILED',
  faultFailed: 'E_FAULT_FAILED',
  durabilityLost: 'E_DURABILITY_LOST',
  internal: 'E_INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];
