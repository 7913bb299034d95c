/** The SSH layer: connect to inventory hosts safely, run argv commands, upload files, work on hosts in parallel. */
export type { ConnectOptions, ExecOptions, ExecResult, HostKeyInfo, RemoteHost, RemoteProcess } from './types.js';
export { connectHost, type ConnectHostOptions, DEFAULT_MAX_SESSIONS, knownHostsFilesFor, localPath } from './connect.js';
export { buildCommand, shJoin, shQuote, shScript } from './quote.js';
export { forEachHost, type ForEachHostOptions, failedOutcomes, type HostOutcome, outcomeProblems, valuesOrThrow } from './parallel.js';
export type { HostStepContext } from './step-logger.js';
export { describeHost, type HostLabel, RemoteStepError } from './errors.js';
export { defaultKnownHostsFiles, expandHome, loadKnownHosts, PROJECT_KNOWN_HOSTS, recordHostKey } from './known-hosts-store.js';
export { decideHostKey, fingerprint, hashHostName, type HostKeyDecision, type KnownHostEntry, knownHostsName, parseKnownHosts } from './known-hosts.js';
export { JumpPool } from './jump-pool.js';
export { Limiter } from './limiter.js';
export { REDACTED, redactor, type Redact } from './redact.js';
