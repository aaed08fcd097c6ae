// The apimachinery types whose JSON form is not their protobuf message: Time and MicroTime (RFC 3339
// strings), Duration (Go's duration string), Quantity (its string), IntOrString (a number or a string).

/** metav1.Time: JSON carries whole seconds only, so nanos are dropped as the Go type does. */
export function formatTime(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
export function formatMicroTime(seconds: bigint, nanos: number): string {
  const micros = String(Math.floor(nanos / 1000)).padStart(6, '0');
  return formatTime(seconds).replace(/Z$/, `.${micros}Z`);
}

/** Go's time.Duration.String(): "1h2m3.5s", "150ms", "0s". */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  let n = ns < 0n ? -ns : ns;
  const frac = (value: bigint, unit: bigint): string => {
    const whole = value / unit;
    const rest = value % unit;
    if (rest === 0n) return String(whole);
    const digits = String(unit).length - 1;
    return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
  };
  if (n < 1_000n) return `${sign}${n}ns`;
  if (n < 1_000_000n) return `${sign}${frac(n, 1_000n)}µs`;
  if (n < 1_000_000_000n) return `${sign}${frac(n, 1_000_000n)}ms`;
  let out = '';
  const hours = n / 3_600_000_000_000n;
  n %= 3_600_000_000_000n;
  const minutes = n / 60_000_000_000n;
  n %= 60_000_000_000n;
  if (hours > 0n) out += `${hours}h`;
  if (hours > 0n || minutes > 0n) out += `${minutes}m`;
  return `${sign}${out}${frac(n, 1_000_000_000n)}s`;
}
