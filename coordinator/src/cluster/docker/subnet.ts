/**
 * The cluster network's subnet (pure): a /24 inside 198.18.0.0/15, the range set aside for network
 * benchmarks, so etcdlab never takes an address range a real network might use. The first candidate is
 * derived from the cluster name (stable across runs and in generated compose files); taken ones are skipped.
 */

export interface Cidr {
  base: number;
  bits: number;
}

const BENCHMARK_RANGE = (198 << 24 >>> 0) + (18 << 16);
/** 512 /24 blocks in 198.18.0.0/15; block 0 is the testbed daemon's default bridge (198.18.0.1/24). */
const BLOCKS = 512;

export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const addr = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - bits);
  return { base: addr - (addr % size), bits };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const aEnd = a.base + 2 ** (32 - a.bits);
  const bEnd = b.base + 2 ** (32 - b.bits);
  return a.base < bEnd && b.base < aEnd;
}

const formatBlock = (block: number): string => {
  const addr = BENCHMARK_RANGE + block * 256;
  return `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.0/24`;
};

/** FNV-1a, enough to spread names over the blocks. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(text)) h = Math.imul(h ^ ch, 0x01000193) >>> 0;
  return h;
}

/** The subnet a cluster name prefers (never block 0). */
export function preferredSubnet(cluster: string): string {
  return formatBlock(1 + (hash(cluster) % (BLOCKS - 1)));
}

/** The first /24 from the preferred one onwards that overlaps nothing in `used`; undefined when all are taken. */
export function pickSubnet(cluster: string, used: string[]): string | undefined {
  const taken = used.flatMap((u) => parseCidr(u) ?? []);
  const first = 1 + (hash(cluster) % (BLOCKS - 1));
  for (let k = 0; k < BLOCKS - 1; k++) {
    const block = 1 + ((first - 1 + k) % (BLOCKS - 1));
    const candidate = parseCidr(formatBlock(block)) as Cidr;
    if (!taken.some((t) => overlaps(t, candidate))) return formatBlock(block);
  }
  return undefined;
}

/** Destinations of the kernel's IPv4 routes from /proc/net/route text (hex, little-endian), as CIDRs. */
export function routesFromProc(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const dest = Number.parseInt(f[1] ?? '', 16);
    const mask = Number.parseInt(f[7] ?? '', 16);
    if (!Number.isFinite(dest) || !Number.isFinite(mask) || mask === 0) continue; // the default route says nothing
    const ip = [dest & 255, (dest >>> 8) & 255, (dest >>> 16) & 255, dest >>> 24].join('.');
    const bits = (mask >>> 0).toString(2).replace(/0/g, '').length;
    out.push(`${ip}/${bits}`);
  }
  return out;
}
