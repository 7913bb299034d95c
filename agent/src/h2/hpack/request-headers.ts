/**
 * Request header blocks, encoded once and reused. A block is cached per (path, key) with the encoder's
 * generation; under the 'keep' policy the table stops changing once every field a connection uses is in
 * it, so after the first few requests each block is a handful of indexed-field bytes taken from the cache.
 * Blocks must be encoded when their HEADERS frame is queued (the peer decodes in wire order), which is why
 * the session, not the caller, asks for them.
 */
import type { HpackEncoder, HeaderField } from './encoder.js';

/** Per-request fields derived from a numeric key, e.g. a grpc-timeout from a deadline in ms. */
export type VaryingFields = (key: number) => readonly HeaderField[];

interface CachedBlock {
  generation: number;
  block: Buffer;
}

/** Bound per path, so a caller with ever-changing keys cannot grow the cache without limit. */
const MAX_KEYS_PER_PATH = 256;

export class RequestHeaders {
  private readonly cache = new Map<string, Map<number, CachedBlock>>();

  /**
   * @param pseudo fields before :path (:method, :scheme, :authority ...), in order
   * @param common fields after :path on every request (content-type, te, user-agent ...)
   * @param varying fields for a key (key 0 = none)
   */
  constructor(
    private readonly encoder: HpackEncoder,
    private readonly pseudo: readonly HeaderField[],
    private readonly common: readonly HeaderField[],
    private readonly varying: VaryingFields | undefined,
  ) {}

  /** The header block for a request to `path` with per-request key `key`. */
  block(path: string, key: number): Buffer {
    let byKey = this.cache.get(path);
    if (byKey === undefined) this.cache.set(path, (byKey = new Map()));
    const hit = byKey.get(key);
    if (hit !== undefined && hit.generation === this.encoder.generation) return hit.block;
    const fields: HeaderField[] = [...this.pseudo, [':path', path], ...this.common];
    if (key !== 0 && this.varying) fields.push(...this.varying(key));
    const before = this.encoder.generation;
    const block = this.encoder.encode(fields, { policy: 'keep' });
    // A block that inserted entries (or signalled a size update) must not be sent twice: cache it stale.
    const generation = this.encoder.generation === before ? before : -1;
    if (hit !== undefined) {
      hit.block = block;
      hit.generation = generation;
    } else {
      if (byKey.size >= MAX_KEYS_PER_PATH) byKey.clear();
      byKey.set(key, { generation, block });
    }
    return block;
  }
}
