/** Latency in microseconds as milliseconds for people: 0.412, 3.21, 48.6, 1203. */
export function ms(us: number): string {
  const v = us / 1000;
  if (v === 0) return '0';
  if (v < 1) return v.toFixed(3);
  if (v < 10) return v.toFixed(2);
  if (v < 100) return v.toFixed(1);
  return v.toFixed(0);
}

export function rate(opsPerSec: number): string {
  return opsPerSec >= 100 ? Math.round(opsPerSec).toLocaleString('en-US') : opsPerSec.toFixed(1);
}

export const int = (n: number): string => n.toLocaleString('en-US');
