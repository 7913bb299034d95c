/**
 * Minimal protobuf wire format (varint, length-delimited) and gRPC message framing.
 *
 * Hand-written instead of a protobuf library because etcdlab needs a handful of etcd messages on a hot
 * path: encoders size the message first and write it into one Buffer.allocUnsafe allocation (with room for
 * the 5-byte gRPC prefix), decoders read fields in place and return zero-copy subarrays.
 *
 * Integers are JS numbers, exact below 2^53 (revisions, counts, sizes). Fields that are real uint64 ids
 * (member ids, lease ids) use the bigint variants so they are never rounded.
 */

/** Protobuf wire types we read or write (3/4, the deprecated groups, are rejected). */
export const WireType = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;

/** Bytes in the gRPC length prefix: 1 compressed flag + 4-byte big-endian length. */
export const GRPC_FRAME_HEADER_BYTES = 5;

const TWO_POW_32 = 0x1_0000_0000;
const TWO_POW_63 = 2 ** 63;

/** A malformed or truncated protobuf / gRPC frame. */
export class ProtoDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtoDecodeError';
  }
}

/** Encoded size of a non-negative integer varint (negative int64 always takes 10 bytes). */
export function varintSize(n: number): number {
  if (n < 0) return 10;
  let size = 1;
  // Bounded: a number below 2^64 needs at most 10 groups of 7 bits.
  while (n >= 0x80 && size < 10) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Encoded size of a uint64 given as bigint (negative values are written as 64-bit two's complement). */
export function varintSizeBig(v: bigint): number {
  let u = BigInt.asUintN(64, v);
  let size = 1;
  while (u >= 0x80n) {
    u >>= 7n;
    size++;
  }
  return size;
}

/** Size of a whole length-delimited field (tag + length + payload) for field numbers below 16. */
export function lengthDelimitedFieldSize(len: number): number {
  return 1 + varintSize(len) + len;
}

/** Size of a whole varint field (tag + value) for field numbers below 16; 0 when proto3 would omit it. */
export function varintFieldSize(n: number | bigint): number {
  if (typeof n === 'bigint') return n === 0n ? 0 : 1 + varintSizeBig(n);
  return n === 0 ? 0 : 1 + varintSize(n);
}

/**
 * Writes protobuf fields into a pre-sized buffer. Proto3 semantics: zero / false / empty fields are
 * omitted, so encoders compute sizes with the same rule (see *FieldSize above).
 */
export class ProtoWriter {
  pos: number;
  constructor(
    readonly buf: Buffer,
    offset = 0,
  ) {
    this.pos = offset;
  }

  /** Raw varint. Integers must be exact (below 2^53); negatives go through the 10-byte int64 form. */
  varint(n: number): void {
    if (n < 0) {
      this.varintBig(BigInt(n));
      return;
    }
    const buf = this.buf;
    let pos = this.pos;
    // Above 2^32 bit operators would truncate, so divide; below it `>>> 7` is cheaper.
    while (n >= TWO_POW_32) {
      buf[pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    while (n > 0x7f) {
      buf[pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[pos++] = n;
    this.pos = pos;
  }

  varintBig(v: bigint): void {
    let u = BigInt.asUintN(64, v);
    const buf = this.buf;
    while (u >= 0x80n) {
      buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    buf[this.pos++] = Number(u);
  }

  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /** int64 / uint64 / enum field; omitted when zero. */
  uint(field: number, n: number | bigint): void {
    if (typeof n === 'bigint') {
      if (n === 0n) return;
      this.tag(field, WireType.varint);
      this.varintBig(n);
      return;
    }
    if (n === 0) return;
    this.tag(field, WireType.varint);
    this.varint(n);
  }

  bool(field: number, v: boolean): void {
    if (!v) return;
    this.tag(field, WireType.varint);
    this.buf[this.pos++] = 1;
  }

  bytes(field: number, b: Uint8Array): void {
    if (b.length === 0) return;
    this.tag(field, WireType.lengthDelimited);
    this.varint(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
}

/**
 * Reads protobuf fields from buf[start, end). Every read is bounds-checked and throws ProtoDecodeError on
 * truncation, so a corrupt response can never loop or read outside the message.
 */
export class ProtoReader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  more(): boolean {
    return this.pos < this.end;
  }

  /** Varint as a number; exact below 2^53 (uint64 above that loses precision: use varintBig). */
  varint(): number {
    const buf = this.buf;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtoDecodeError('truncated varint');
      const b = buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new ProtoDecodeError('varint longer than 10 bytes');
  }

  varintBig(): bigint {
    const buf = this.buf;
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtoDecodeError('truncated varint');
      const b = buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) return BigInt.asUintN(64, result);
    }
    throw new ProtoDecodeError('varint longer than 10 bytes');
  }

  /** int64 as a number: negative values (10-byte two's complement) are decoded exactly via bigint. */
  int64(): number {
    const start = this.pos;
    const v = this.varint();
    if (v < TWO_POW_63) return v;
    this.pos = start;
    return Number(BigInt.asIntN(64, this.varintBig()));
  }

  bool(): boolean {
    return this.varint() !== 0;
  }

  /** Start/end of a length-delimited payload; advances past it. */
  lengthDelimited(): number {
    const len = this.varint();
    const start = this.pos;
    if (len > this.end - start) throw new ProtoDecodeError('length-delimited field runs past the end');
    this.pos = start + len;
    return start;
  }

  /** Zero-copy view of a bytes field (shares memory with the response buffer). */
  bytes(): Buffer {
    const start = this.lengthDelimited();
    return this.buf.subarray(start, this.pos);
  }

  string(): string {
    const start = this.lengthDelimited();
    return this.buf.toString('utf8', start, this.pos);
  }

  /** Skips a field we do not decode, so newer etcd versions with extra fields still parse. */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.varint:
        this.varint();
        return;
      case WireType.fixed64:
        this.advance(8);
        return;
      case WireType.lengthDelimited:
        this.lengthDelimited();
        return;
      case WireType.fixed32:
        this.advance(4);
        return;
      default:
        throw new ProtoDecodeError(`unsupported wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw new ProtoDecodeError('truncated fixed-width field');
    this.pos += n;
  }
}

/** Writes the gRPC prefix (uncompressed) for a message of msgLen bytes at buf[0..5). */
export function writeGrpcFrameHeader(buf: Buffer, msgLen: number): void {
  buf[0] = 0;
  buf.writeUInt32BE(msgLen, 1);
}

/** Wraps an already-encoded message in a gRPC frame (copies; encoders in proto.ts frame without a copy). */
export function frameMessage(msg: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(GRPC_FRAME_HEADER_BYTES + msg.length);
  writeGrpcFrameHeader(out, msg.length);
  out.set(msg, GRPC_FRAME_HEADER_BYTES);
  return out;
}

/**
 * The single message of a unary gRPC response body (zero-copy view). Rejects compressed messages (we never
 * advertise grpc-accept-encoding), a short body, or trailing bytes after the message.
 */
export function unframeMessage(body: Buffer): Buffer {
  if (body.length < GRPC_FRAME_HEADER_BYTES) throw new ProtoDecodeError(`gRPC body of ${body.length} bytes has no frame header`);
  const flag = body[0];
  if (flag !== 0) throw new ProtoDecodeError(`gRPC message compressed flag is ${flag}; compression was not negotiated`);
  const len = body.readUInt32BE(1);
  const total = GRPC_FRAME_HEADER_BYTES + len;
  if (body.length !== total) {
    throw new ProtoDecodeError(`gRPC frame says ${len} bytes but body holds ${body.length - GRPC_FRAME_HEADER_BYTES}`);
  }
  return body.subarray(GRPC_FRAME_HEADER_BYTES);
}
