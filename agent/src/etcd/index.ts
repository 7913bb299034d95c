/** etcd v3 gRPC client over etcdlab's own HTTP/2 transport (agent/src/h2) with hand-written protobuf: the public surface of @etcdlab/agent/etcd. */
export { EtcdClient } from './client.js';
export type { Member } from './proto-cluster.js';
export type { EtcdClientOptions, EndpointStatus, RangePrefixOptions, RangeResult } from './client.js';
export { Connection, MAX_DEADLINE_MS, MAX_RESPONSE_BYTES, grpcTimeout } from './connection.js';
export type { EtcdTransport, ResponseDecoder } from './connection.js';
export type { StreamCall, StreamCallHandler } from './h2-stream-call.js';
export { parseEndpoint } from './endpoint.js';
export type { EtcdTlsOptions, ParsedEndpoint } from './endpoint.js';
export {
  EtcdRequestError,
  GrpcStatus,
  decodeGrpcMessage,
  grpcStatusCode,
  grpcStatusName,
  isEtcdRequestError,
  parseGrpcStatus,
  statusFromHttpStatus,
  statusFromRstCode,
} from './grpc-status.js';
export type { EtcdRequestErrorDetails, GrpcStatusName } from './grpc-status.js';
export {
  DeleteRangeRequestEncoder,
  PutRequestEncoder,
  RangeRequestEncoder,
  Rpc,
  StatusRequestEncoder,
  decodeDeleteRangeResponse,
  decodePutResponse,
  decodeRangeResponse,
  decodeStatusResponse,
  encodeFrame,
  encodeMessage,
  prefixRangeEnd,
} from './proto.js';
export type {
  DeleteRangeRequest,
  DeleteRangeResponse,
  KeyValue,
  MessageEncoder,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  ResponseHeader,
  RpcMethod,
  StatusResponse,
} from './proto.js';
export {
  GRPC_FRAME_HEADER_BYTES,
  ProtoDecodeError,
  ProtoReader,
  ProtoWriter,
  WireType,
  frameMessage,
  unframeMessage,
  varintSize,
  varintSizeBig,
} from './wire.js';
export { CompactionRequestEncoder, CompareResult, CompareTarget, TxnRequestEncoder, decodeHeaderOnly, decodeTxnResponse } from './proto-txn.js';
export type { CompactionRequest, Compare, RequestOp, ResponseOp, TxnRequest, TxnResponse } from './proto-txn.js';
export { LeaseGrantRequestEncoder, LeaseIdRequestEncoder, decodeLeaseResponse } from './proto-lease.js';
export type { LeaseGrantRequest, LeaseResponse } from './proto-lease.js';
export { WatchCancelEncoder, WatchCreateEncoder, decodeWatchResponse } from './proto-watch.js';
export type { WatchCreateRequest, WatchEvent, WatchResponse } from './proto-watch.js';
export { WatchStream } from './watch-stream.js';
export type { WatchStreamHandlers } from './watch-stream.js';
export { LeaseKeepAliveStream } from './lease-stream.js';
export { StreamRpcs } from './stream-rpcs.js';
export type { GrpcStream, GrpcStreamHandler, LeaseGrant, OpenStream } from './stream-rpcs.js';
