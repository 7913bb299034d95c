/**
 * Docker's multiplexed stream format (pure): without a TTY, logs and exec output arrive as frames of an
 * 8-byte header (stream 1 = stdout, 2 = stderr; 4-byte big-endian length) followed by the payload.
 */

export interface Frame {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

/** Splits a complete buffer into frames; a buffer that does not start with a frame header is raw (TTY) output. */
export function demuxFrames(buf: Buffer): Frame[] {
  const frames: Frame[] = [];
  let offset = 0;
  while (offset + 8 <= buf.length) {
    const kind = buf[offset];
    const zeros = buf[offset + 1] === 0 && buf[offset + 2] === 0 && buf[offset + 3] === 0;
    if ((kind !== 0 && kind !== 1 && kind !== 2) || !zeros) break;
    const len = buf.readUInt32BE(offset + 4);
    frames.push({ stream: kind === 2 ? 'stderr' : 'stdout', data: buf.subarray(offset + 8, offset + 8 + len) });
    offset += 8 + len;
  }
  if (offset < buf.length) frames.push({ stream: 'stdout', data: buf.subarray(offset) });
  return frames;
}

/** All frames' text in order, each line prefixed (e.g. `etcd-2 | `) when several members are shown together. */
export function framesToLines(frames: Frame[], prefix = ''): string {
  const text = Buffer.concat(frames.map((f) => f.data)).toString('utf8');
  if (text === '') return '';
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return lines.map((l) => prefix + l).join('\n') + '\n';
}
