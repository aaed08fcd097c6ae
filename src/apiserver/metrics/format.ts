// How metrics-server writes usage: CPU as a nano-scaled quantity ("12m", "1234567n"), memory as a binary one
// ("23Mi", "123456Ki"), the window as a Go duration ("10.004s", "1m0.5s"), timestamps in RFC 3339 seconds.
import { Quantity } from '../../api/quantity.js';

export function cpuQuantity(nanocores: number): string {
  return Quantity.must(`${Math.max(0, Math.round(nanocores))}n`).toString();
}

export function memoryQuantity(bytes: number): string {
  const b = Math.max(0, Math.round(bytes));
  return b % 1024 === 0 ? Quantity.must(`${b / 1024}Ki`).toString() : String(b);
}

/** Go's time.Duration.String() for a non-negative number of milliseconds. */
export function goDuration(ms: number): string {
  if (ms <= 0) return '0s';
  if (ms < 1000) return `${trimZeros(String(ms))}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sec = `${trimZeros(s.toFixed(3))}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

export function rfc3339Seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
