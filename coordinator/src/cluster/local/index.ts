/** The `local` provider: etcd members as child processes on this machine. */
export type { MemberInfo } from '../types.js';
export { startLocalCluster, type LocalCluster, MIN_MEMBERS, MAX_MEMBERS, type LocalClusterOptions } from './cluster.js';
export { findEtcdBinary, checkEtcdBinary, type EtcdBinary } from './etcd-binary.js';
export { pickMemberPorts, isPortFree, LOOPBACK, type MemberPorts, type PickPortsOptions } from './ports.js';
export {
  stopClusterFromState, readClusterState, clusterStatePath, CLUSTER_STATE_FILE,
  type ClusterState, type ClusterStateMember, type StopFromStateResult, type MemberStopOutcome,
} from './state.js';
