/**
 * EtcdClient: the etcd v3 KV / Maintenance calls etcdlab needs, over a fixed pool of HTTP/2 connections.
 *
 * Connections are spread round-robin over the endpoints; a load generator pins each of its workers to one
 * connection with the `conn` argument, everything else takes the next connection in turn. Every call has
 * an explicit deadline and is sent exactly once (see connection.ts).
 */
import { Connection } from './connection.js';
import type { EtcdTransport } from './connection.js';
import type { ResponseDecoder } from './connection.js';
import { parseEndpoint } from './endpoint.js';
import { ClusterRpc, decodeMembersResponse, type Member, MemberAddRequestEncoder, MemberListRequestEncoder, MemberRemoveRequestEncoder } from './proto-cluster.js';
import { EtcdRequestError, GrpcStatus } from './grpc-status.js';
import type { EtcdTlsOptions } from './endpoint.js';
import {
  DeleteRangeRequestEncoder,
  MoveLeaderRequestEncoder,
  PutRequestEncoder,
  RangeRequestEncoder,
  Rpc,
  StatusRequestEncoder,
  decodeDeleteRangeResponse,
  decodeRangeResponse,
  decodeStatusResponse,
  encodeFrame,
  prefixRangeEnd,
} from './proto.js';
import type { KeyValue, RangeRequest, RangeResponse, RpcMethod } from './proto.js';
import { StreamRpcs, type LeaseGrant } from './stream-rpcs.js';
import { CompactionRequestEncoder, type TxnRequest, TxnRequestEncoder, type TxnResponse, decodeHeaderOnly, decodeTxnResponse } from './proto-txn.js';
import { LeaseGrantRequestEncoder, LeaseIdRequestEncoder, decodeLeaseResponse } from './proto-lease.js';

export interface EtcdClientOptions {
  /** `http://host:port` or `https://host:port`, one per member. */
  endpoints: string[];
  /** Size of the connection pool (HTTP/2 sessions), spread round-robin over the endpoints. */
  connections: number;
  tls?: EtcdTlsOptions;
  /** HTTP/2 implementation: etcdlab's own lean one (default) or 'node-http2' (fallback, comparisons). */
  transport?: EtcdTransport;
}

export interface RangePrefixOptions {
  /** Maximum keys returned; 0 or absent = no limit. */
  limit?: number;
  keysOnly?: boolean;
  serializable?: boolean;
}

export interface RangeResult {
  /** key/value are views into the response buffer; value is empty with keysOnly. */
  kvs: KeyValue[];
  /** More keys matched than `limit` allowed. */
  more: boolean;
  /** Number of keys in the whole range (not just those returned). */
  count: number;
}

export interface EndpointStatus {
  endpoint: string;
  /** uint64 ids in hex, as etcdctl prints them. */
  memberId: string;
  leader: string;
  version: string;
  dbSize: number;
  dbSizeInUse: number;
  raftTerm: number;
  raftIndex: number;
  raftAppliedIndex: number;
  errors: string[];
  isLearner: boolean;
}

const ignoreResponse: ResponseDecoder<void> = () => undefined;
const firstValue: ResponseDecoder<Buffer | undefined> = (msg) => decodeRangeResponse(msg).kvs[0]?.value;
const rangeCount: ResponseDecoder<number> = (msg) => decodeRangeResponse(msg).count;
const deletedCount: ResponseDecoder<number> = (msg) => decodeDeleteRangeResponse(msg).deleted;
const headerRevision: ResponseDecoder<number> = (msg) => decodeHeaderOnly(msg).header?.revision ?? 0;
const rangeResult: ResponseDecoder<RangeResult> = (msg) => {
  const { kvs, more, count } = decodeRangeResponse(msg);
  return { kvs, more, count };
};
const REVISION_KEY = Buffer.from('etcdlab/revision');
// StatusRequest and DefragmentRequest have no fields: one empty frame for both.
const EMPTY_FRAME = encodeFrame(StatusRequestEncoder, {});
const ALL_KEYS = Buffer.from([0]);

/** The [key, rangeEnd) pair covering a prefix; the empty prefix means every key ("\0", "\0"). */
function prefixRange(prefix: Buffer): { key: Buffer; rangeEnd: Buffer } {
  return prefix.length === 0 ? { key: ALL_KEYS, rangeEnd: ALL_KEYS } : { key: prefix, rangeEnd: prefixRangeEnd(prefix) };
}

export class EtcdClient {
  /** Normalised endpoints (`scheme://host:port`). */
  readonly endpoints: readonly string[];
  private readonly pool: Connection[];
  /** Connections made only for status() of an endpoint the pool has no connection to. */
  private readonly statusOnly = new Map<string, Connection>();
  private streamRpcs: StreamRpcs | undefined;
  private readonly tls: EtcdTlsOptions | undefined;
  private next = 0;
  private closed = false;
  private writes = 0;
  // Decoders that count acknowledged writes (the witness: every one made a new revision in etcd).
  private readonly putDone: ResponseDecoder<void> = () => {
    this.writes++;
  };
  private readonly putRevisionDone: ResponseDecoder<number> = (msg) => {
    this.writes++;
    return headerRevision(msg);
  };
  private readonly deleteDone: ResponseDecoder<number> = (msg) => {
    const n = deletedCount(msg);
    if (n > 0) this.writes++;
    return n;
  };
  private readonly txnDone: ResponseDecoder<TxnResponse> = (msg) => {
    const r = decodeTxnResponse(msg);
    // A transaction makes one revision when the branch it took changed anything.
    if (r.responses.some((op) => op.put !== undefined || (op.deleteRange?.deleted ?? 0) > 0)) this.writes++;
    return r;
  };

  constructor(opts: EtcdClientOptions) {
    if (!Array.isArray(opts.endpoints) || opts.endpoints.length === 0) throw new TypeError('EtcdClient needs at least one endpoint');
    if (!Number.isInteger(opts.connections) || opts.connections < 1) {
      throw new RangeError(`EtcdClient connections must be a positive integer, got ${opts.connections}`);
    }
    this.endpoints = opts.endpoints.map((e) => parseEndpoint(e).origin);
    this.tls = opts.tls;
    this.pool = [];
    for (let i = 0; i < opts.connections; i++) this.pool.push(new Connection(this.endpoints[i % this.endpoints.length]!, opts.tls, opts.transport));
  }

  /**
   * Writes etcd acknowledged with a new revision (puts, deletes that deleted, transactions that changed
   * something) since this client was made. Lease revokes are not counted: whether they deleted keys is not
   * in their response.
   */
  get writesAcknowledged(): number {
    return this.writes;
  }

  get connectionCount(): number {
    return this.pool.length;
  }

  /** The pool's connections, e.g. to see which endpoint connection i talks to. */
  connection(index: number): Connection | undefined {
    return this.pool[index];
  }

  put(key: Buffer, value: Buffer, deadlineMs: number, conn?: number): Promise<void> {
    return this.call(Rpc.put, encodeFrame(PutRequestEncoder, { key, value }), deadlineMs, conn, this.putDone);
  }

  /** The value of key, or undefined when the key does not exist. Linearizable unless serializable. */
  get(key: Buffer, opts: { serializable: boolean }, deadlineMs: number, conn?: number): Promise<Buffer | undefined> {
    const frame = encodeFrame(RangeRequestEncoder, { key, serializable: opts.serializable });
    return this.call(Rpc.range, frame, deadlineMs, conn, firstValue);
  }

  /** Deletes one key; resolves with the number deleted (0 or 1). */
  deleteKey(key: Buffer, deadlineMs: number, conn?: number): Promise<number> {
    return this.call(Rpc.deleteRange, encodeFrame(DeleteRangeRequestEncoder, { key }), deadlineMs, conn, this.deleteDone);
  }

  /** Number of keys starting with prefix (linearizable count_only range). */
  countPrefix(prefix: Buffer, deadlineMs: number, conn?: number): Promise<number> {
    const frame = encodeFrame(RangeRequestEncoder, { ...prefixRange(prefix), countOnly: true });
    return this.call(Rpc.range, frame, deadlineMs, conn, rangeCount);
  }

  /** Keys (and values unless keysOnly) starting with prefix, in key order, at most `limit` of them. */
  rangePrefix(prefix: Buffer, opts: RangePrefixOptions, deadlineMs: number, conn?: number): Promise<RangeResult> {
    const frame = encodeFrame(RangeRequestEncoder, {
      ...prefixRange(prefix),
      limit: opts.limit ?? 0,
      keysOnly: opts.keysOnly ?? false,
      serializable: opts.serializable ?? false,
    });
    return this.call(Rpc.range, frame, deadlineMs, conn, rangeResult);
  }

  /** A range with every option and the response header (revision); keys and values are views. */
  range(req: RangeRequest, deadlineMs: number, conn?: number): Promise<RangeResponse> {
    return this.call(Rpc.range, encodeFrame(RangeRequestEncoder, req), deadlineMs, conn, decodeRangeResponse);
  }

  /**
   * The cluster's current revision: a linearizable read of one key (never written) answers with it in
   * its header. One place for every reader of it (the witness, `dump`, compaction after a cleanup).
   */
  async currentRevision(deadlineMs: number, conn?: number): Promise<number> {
    const r = await this.range({ key: REVISION_KEY, limit: 1, keysOnly: true, serializable: false }, deadlineMs, conn);
    return r.header?.revision ?? 0;
  }

  /** A put that resolves with the revision it created (the header's). */
  putRevision(key: Buffer, value: Buffer, lease: bigint, deadlineMs: number, conn?: number): Promise<number> {
    return this.call(Rpc.put, encodeFrame(PutRequestEncoder, { key, value, lease }), deadlineMs, conn, this.putRevisionDone);
  }

  /** Deletes [key, rangeEnd) (one key without rangeEnd); resolves with the number deleted. */
  deleteRange(key: Buffer, rangeEnd: Buffer | undefined, deadlineMs: number, conn?: number): Promise<number> {
    return this.call(Rpc.deleteRange, encodeFrame(DeleteRangeRequestEncoder, rangeEnd ? { key, rangeEnd } : { key }), deadlineMs, conn, this.deleteDone);
  }

  /** A transaction: if every compare holds, the success ops, else the failure ops. */
  txn(req: TxnRequest, deadlineMs: number, conn?: number): Promise<TxnResponse> {
    return this.call(Rpc.txn, encodeFrame(TxnRequestEncoder, req), deadlineMs, conn, this.txnDone);
  }

  /** Compacts the history up to revision; resolves with the header's (current) revision. */
  compact(revision: number, physical: boolean, deadlineMs: number, conn?: number): Promise<number> {
    return this.call(Rpc.compact, encodeFrame(CompactionRequestEncoder, { revision, physical }), deadlineMs, conn, headerRevision);
  }

  /** Grants a lease; a grant etcd refuses in its `error` field rejects like a failed call. */
  leaseGrant(ttlSeconds: number, deadlineMs: number, conn?: number): Promise<LeaseGrant> {
    return this.call(Rpc.leaseGrant, encodeFrame(LeaseGrantRequestEncoder, { ttlSeconds }), deadlineMs, conn, (msg) => {
      const r = decodeLeaseResponse(msg);
      if (r.error) throw new EtcdRequestError(GrpcStatus.FAILED_PRECONDITION, r.error, { method: Rpc.leaseGrant.name });
      return { id: r.id, ttl: r.ttl, revision: r.header?.revision ?? 0 };
    });
  }

  leaseRevoke(id: bigint, deadlineMs: number, conn?: number): Promise<void> {
    return this.call(Rpc.leaseRevoke, encodeFrame(LeaseIdRequestEncoder, { id }), deadlineMs, conn, ignoreResponse);
  }

  /** The cluster's members (control plane: `cluster replace`). */
  memberList(deadlineMs: number): Promise<Member[]> {
    return this.call(ClusterRpc.memberList, encodeFrame(MemberListRequestEncoder, {}), deadlineMs, undefined, (msg) => decodeMembersResponse(msg).members);
  }

  /** Adds a member (a learner: not counted for quorum) by its peer URLs; resolves with it (no name until it starts) and the members after. */
  memberAdd(peerUrls: readonly string[], deadlineMs: number, o: { learner?: boolean } = {}): Promise<{ added: Member; members: Member[] }> {
    return this.call(ClusterRpc.memberAdd, encodeFrame(MemberAddRequestEncoder, { peerUrls, isLearner: o.learner === true }), deadlineMs, undefined, (msg) => {
      const r = decodeMembersResponse(msg, true);
      if (!r.added) throw new EtcdRequestError(GrpcStatus.INTERNAL, 'MemberAdd answered without the member', { method: ClusterRpc.memberAdd.name });
      return { added: r.added, members: r.members };
    });
  }

  /** Removes a member by id; resolves with the members after. */
  memberRemove(id: bigint, deadlineMs: number): Promise<Member[]> {
    return this.call(ClusterRpc.memberRemove, encodeFrame(MemberRemoveRequestEncoder, { id }), deadlineMs, undefined, (msg) => decodeMembersResponse(msg).members);
  }

  /** Watch and LeaseKeepAlive streams, per pool connection (see stream-rpcs.ts). */
  get streams(): StreamRpcs {
    return (this.streamRpcs ??= new StreamRpcs((conn) => (method, handler) => this.pool[conn % this.pool.length]!.stream(method, handler)));
  }

  /** A connection to one specific member, whatever the round-robin position (made once, for maintenance calls). */
  private memberConnection(endpoint: string, method: RpcMethod): Connection {
    const origin = parseEndpoint(endpoint).origin;
    let c = this.pool.find((p) => p.endpoint === origin) ?? this.statusOnly.get(origin);
    if (c === undefined && this.closed) throw new EtcdRequestError(GrpcStatus.CANCELLED, 'the etcd client is closed', { method: method.name, endpoint: origin });
    if (c === undefined) {
      c = new Connection(origin, this.tls);
      this.statusOnly.set(origin, c);
    }
    return c;
  }

  /**
   * Maintenance/Defragment of one member: etcd rewrites its database file without the free pages, so the
   * file shrinks to what is in use. The member blocks its reads and writes while it runs.
   */
  defragment(endpoint: string, deadlineMs: number): Promise<void> {
    let c: Connection;
    try {
      c = this.memberConnection(endpoint, Rpc.defragment);
    } catch (err) {
      return Promise.reject(err);
    }
    return c.unary(Rpc.defragment, EMPTY_FRAME, deadlineMs, () => undefined);
  }

  /**
   * Maintenance/MoveLeader: the leader (`leaderEndpoint`; etcd refuses it elsewhere) hands leadership to
   * the member with id `targetIdHex` (as status() gives ids).
   */
  moveLeader(leaderEndpoint: string, targetIdHex: string, deadlineMs: number): Promise<void> {
    let c: Connection;
    try {
      c = this.memberConnection(leaderEndpoint, Rpc.moveLeader);
    } catch (err) {
      return Promise.reject(err);
    }
    return c.unary(Rpc.moveLeader, encodeFrame(MoveLeaderRequestEncoder, { targetId: BigInt(`0x${targetIdHex}`) }), deadlineMs, () => undefined);
  }

  /** Maintenance/Status of one specific member, whatever the round-robin position. */
  status(endpoint: string, deadlineMs: number): Promise<EndpointStatus> {
    let c: Connection;
    try {
      c = this.memberConnection(endpoint, Rpc.status);
    } catch (err) {
      return Promise.reject(err);
    }
    return c.unary(Rpc.status, EMPTY_FRAME, deadlineMs, (msg) => {
      const s = decodeStatusResponse(msg);
      return {
        endpoint,
        memberId: (s.header?.memberId ?? 0n).toString(16),
        leader: s.leader.toString(16),
        version: s.version,
        dbSize: s.dbSize,
        dbSizeInUse: s.dbSizeInUse,
        raftTerm: s.raftTerm,
        raftIndex: s.raftIndex,
        raftAppliedIndex: s.raftAppliedIndex,
        errors: s.errors,
        isLearner: s.isLearner,
      };
    });
  }

  /** Closes every session; later calls reject with CANCELLED. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.pool, ...this.statusOnly.values()].map((c) => c.close()));
  }

  private call<T>(method: RpcMethod, frame: Buffer, deadlineMs: number, conn: number | undefined, decode: ResponseDecoder<T>): Promise<T> {
    const pool = this.pool;
    let c: Connection | undefined;
    if (conn === undefined) {
      c = pool[this.next]!;
      this.next = this.next + 1 === pool.length ? 0 : this.next + 1;
    } else if (Number.isInteger(conn) && conn >= 0) {
      c = pool[conn % pool.length]; // pinned: worker i may pass i for any i
    }
    if (c === undefined) return Promise.reject(new RangeError(`connection index must be a non-negative integer, got ${conn}`));
    return c.unary(method, frame, deadlineMs, decode);
  }
}
