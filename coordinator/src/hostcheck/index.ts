/** `etcdlab hosts check`: are the inventory's hosts reachable, dedicated, quiet and fit for etcd? */
export { checkHosts, type HostsCheckOptions } from './run-check.js';
export { renderHostsCheck } from './render.js';
export { DEFAULT_THRESHOLDS, judgeHost, worst } from './verdict.js';
export { HOSTS_CHECK_SCHEMA, type HostCheck, type HostsCheckReport, type Reason, type Thresholds, type Verdict } from './schema.js';
export { FSYNC_METHODS, type FsyncMethod, type FsyncResult } from './fsync.js';
