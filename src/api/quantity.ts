// Resource quantities ("100m", "1Gi", "1e3") as Kubernetes' resource.Quantity reads and prints them.
// A value is kept exactly as unscaled * 10^scale (bigint), so "1Gi" and "1073741824" compare equal and
// canonical output never suffers float rounding.

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** The text apimachinery puts in its parse error. */
export const QUANTITY_REGEX_MSG =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

export class Quantity {
  private constructor(
    /** value = unscaled * 10^scale */
    readonly unscaled: bigint,
    readonly scale: number,
    readonly format: QuantityFormat,
  ) {}

  static zero(): Quantity {
    return new Quantity(0n, 0, 'DecimalSI');
  }

  /** Parses a quantity; returns undefined when the text is not one. Numbers (JSON `cpu: 0.5`) are accepted. */
  static parse(input: string | number): Quantity | undefined {
    const s = typeof input === 'number' ? numberText(input) : input.trim() === input ? input : '';
    const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(s);
    if (!m || s.length === 0) return undefined;
    const [, sign = '', whole = '', frac = '', suffix = ''] = m;
    if (whole === '' && frac === '') return undefined;
    let format: QuantityFormat;
    let scale = -frac.length;
    let unscaled = BigInt((whole || '0') + frac);
    if (suffix in binarySuffixes) {
      format = 'BinarySI';
      unscaled *= 2n ** BigInt(binarySuffixes[suffix]!);
    } else if (suffix in decimalSuffixes) {
      format = 'DecimalSI';
      scale += decimalSuffixes[suffix]!;
    } else {
      const e = /^[eE]([+-]?[0-9]+)$/.exec(suffix);
      if (!e) return undefined;
      format = 'DecimalExponent';
      const exp = Number(e[1]);
      if (!Number.isSafeInteger(exp) || Math.abs(exp) > 1000) return undefined;
      scale += exp;
    }
    if (sign === '-') unscaled = -unscaled;
    return new Quantity(unscaled, scale, format).normalized();
  }

  /** Throws with apimachinery's message; for callers that already validated. */
  static must(input: string | number): Quantity {
    const q = Quantity.parse(input);
    if (!q) throw new Error(QUANTITY_REGEX_MSG);
    return q;
  }

  /** Strips trailing zeros into the scale so equal values share one representation. */
  private normalized(): Quantity {
    let u = this.unscaled;
    let s = this.scale;
    if (u === 0n) return new Quantity(0n, 0, this.format);
    while (u % 10n === 0n) {
      u /= 10n;
      s++;
    }
    return new Quantity(u, s, this.format);
  }

  sign(): number {
    return this.unscaled === 0n ? 0 : this.unscaled < 0n ? -1 : 1;
  }

  cmp(other: Quantity): number {
    const s = Math.min(this.scale, other.scale);
    const a = this.unscaled * 10n ** BigInt(this.scale - s);
    const b = other.unscaled * 10n ** BigInt(other.scale - s);
    return a === b ? 0 : a < b ? -1 : 1;
  }

  add(other: Quantity): Quantity {
    const s = Math.min(this.scale, other.scale);
    const a = this.unscaled * 10n ** BigInt(this.scale - s);
    const b = other.unscaled * 10n ** BigInt(other.scale - s);
    return new Quantity(a + b, s, this.format).normalized();
  }

  /** The value in thousandths, rounded up (as Quantity.MilliValue does for whole results). */
  milliValue(): number {
    return Number(this.ceilAt(-3)) ;
  }

  /** The value rounded up to a whole number. */
  value(): number {
    return Number(this.ceilAt(0));
  }

  toNumber(): number {
    return Number(this.unscaled) * 10 ** this.scale;
  }

  isInteger(): boolean {
    return this.scale >= 0;
  }

  /** unscaled expressed at 10^target, rounded away from zero when digits are dropped (Kubernetes rounds up). */
  private ceilAt(target: number): bigint {
    if (this.scale >= target) return this.unscaled * 10n ** BigInt(this.scale - target);
    const div = 10n ** BigInt(target - this.scale);
    const q = this.unscaled / div;
    return this.unscaled % div === 0n ? q : this.unscaled > 0n ? q + 1n : q - 1n;
  }

  /** Canonical text, as Kubernetes prints a stored quantity ("0.5" -> "500m", "1024Mi" -> "1Gi"). */
  toString(): string {
    if (this.unscaled === 0n) return '0';
    // Kubernetes keeps nano precision at most: anything finer is rounded up.
    const q = this.scale < -9 ? new Quantity(this.ceilAt(-9), -9, this.format).normalized() : this;
    let format = q.format;
    if (format === 'BinarySI') {
      const abs = q.unscaled < 0n ? -q.unscaled : q.unscaled;
      const small = q.scale <= 0 && abs < 1024n * 10n ** BigInt(-q.scale);
      if (q.scale < 0 || small) format = 'DecimalSI';
    }
    if (format === 'BinarySI') {
      let n = q.unscaled * 10n ** BigInt(q.scale);
      let power = 0;
      while (power < 60 && n % 1024n === 0n) {
        n /= 1024n;
        power += 10;
      }
      const suffix = Object.keys(binarySuffixes).find((k) => binarySuffixes[k] === power) ?? '';
      return `${n}${suffix}`;
    }
    // Decimal: an exponent that is a multiple of 3 with an integer mantissa.
    let exp = q.scale;
    let mant = q.unscaled;
    const r = ((exp % 3) + 3) % 3;
    if (r !== 0) {
      mant *= 10n ** BigInt(r);
      exp -= r;
    }
    if (format === 'DecimalExponent') return exp === 0 ? `${mant}` : `${mant}e${exp}`;
    if (exp > 18) {
      mant *= 10n ** BigInt(exp - 18);
      exp = 18;
    }
    const suffix = Object.keys(decimalSuffixes).find((k) => decimalSuffixes[k] === exp) ?? '';
    return `${mant}${suffix}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) return '';
  // Avoid JS exponent forms like 1e-7 with a sign after e that Go would not produce for JSON numbers.
  const s = String(n);
  return s.includes('e') ? n.toFixed(12).replace(/\.?0+$/, '') : s;
}

export function parseQuantity(input: string | number): Quantity | undefined {
  return Quantity.parse(input);
}

/** Canonical form of a quantity text, or the input unchanged when it does not parse. */
export function canonicalQuantity(input: unknown): unknown {
  if (typeof input !== 'string' && typeof input !== 'number') return input;
  const q = Quantity.parse(input);
  return q ? q.toString() : input;
}
