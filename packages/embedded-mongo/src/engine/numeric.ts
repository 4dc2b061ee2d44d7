import { Decimal128, Long } from 'bson';

/*
 * Exact comparison of MongoDB's numeric types. Plain JS numbers (int32 and double) compare with
 * `<` as before; only int64 (`Long`, a `bigint`) and Decimal128 values take the exact path, where
 * every value becomes an integer mantissa and a power of ten, so 2^53 + 1 as a Long is not the
 * double 2^53, and Decimal128("1.0") equals 1.
 */

type Tagged = { _bsontype?: string };

/** A finite number as sign * mant * 10^exp, or one of the special values. */
type Exact =
  | { kind: 'finite'; sign: -1 | 0 | 1; mant: bigint; exp: number }
  | { kind: 'nan' }
  | { kind: 'inf'; sign: -1 | 1 };

const SAFE = 2 ** 53;
const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?(?:E([+-]?\d+))?$/i;

export function isLong(v: unknown): v is Long {
  return typeof v === 'object' && v !== null && (v as Tagged)._bsontype === 'Long';
}

export function isDecimal(v: unknown): v is Decimal128 {
  return typeof v === 'object' && v !== null && (v as Tagged)._bsontype === 'Decimal128';
}

/** int64 or Decimal128: values a double cannot always hold exactly. */
export function isWideNumber(v: unknown): boolean {
  return typeof v === 'bigint' || isLong(v) || isDecimal(v);
}

function finite(n: bigint, exp: number): Exact {
  const sign = n < 0n ? -1 : n > 0n ? 1 : 0;
  return { kind: 'finite', sign, mant: n < 0n ? -n : n, exp };
}

/** The exact value of a double: its binary mantissa times a power of two, written in base ten. */
function exactDouble(v: number): Exact {
  if (Number.isNaN(v)) return { kind: 'nan' };
  if (!Number.isFinite(v)) return { kind: 'inf', sign: v > 0 ? 1 : -1 };
  if (Number.isInteger(v) && Math.abs(v) <= SAFE) return finite(BigInt(v), 0);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased !== 0) mant |= 1n << 52n;
  const e2 = (biased === 0 ? 1 : biased) - 1075;
  const signed = v < 0 ? -mant : mant;
  if (e2 >= 0) return finite(signed << BigInt(e2), 0);
  // m * 2^e2 = m * 5^-e2 * 10^e2
  return finite(signed * 5n ** BigInt(-e2), e2);
}

function exactDecimal(d: Decimal128): Exact {
  const s = d.toString();
  if (s === 'NaN' || s === '-NaN') return { kind: 'nan' };
  if (s === 'Infinity' || s === '-Infinity') return { kind: 'inf', sign: s[0] === '-' ? -1 : 1 };
  const m = DECIMAL.exec(s);
  if (!m) return { kind: 'nan' };
  const frac = m[3] ?? '';
  const mant = BigInt(m[2] + frac);
  return finite(m[1] ? -mant : mant, Number(m[4] ?? 0) - frac.length);
}

function exact(v: unknown): Exact | undefined {
  if (typeof v === 'number') return exactDouble(v);
  if (typeof v === 'bigint') return finite(v, 0);
  if (isLong(v)) return finite(BigInt(v.toString()), 0);
  if (isDecimal(v)) return exactDecimal(v);
  return undefined;
}

function compareExact(a: Exact, b: Exact): number {
  // MongoDB orders NaN below every other number, and equal to itself.
  if (a.kind === 'nan' || b.kind === 'nan')
    return (a.kind === 'nan' ? 0 : 1) - (b.kind === 'nan' ? 0 : 1);
  if (a.kind === 'inf' || b.kind === 'inf') {
    const x = a.kind === 'inf' ? a.sign * 2 : a.sign;
    const y = b.kind === 'inf' ? b.sign * 2 : b.sign;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.sign !== b.sign) return a.sign < b.sign ? -1 : 1;
  if (a.sign === 0) return 0;
  let x = a.mant;
  let y = b.mant;
  if (a.exp > b.exp) x *= 10n ** BigInt(a.exp - b.exp);
  else if (b.exp > a.exp) y *= 10n ** BigInt(b.exp - a.exp);
  const c = x < y ? -1 : x > y ? 1 : 0;
  return a.sign < 0 ? -c : c;
}

/** Total order over numeric values (NaN first); doubles and int32 keep the plain `<` path. */
export function compareNumbers(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a < b) return -1;
    if (a > b) return 1;
    if (a === b) return 0;
    return (Number.isNaN(a) ? 0 : 1) - (Number.isNaN(b) ? 0 : 1);
  }
  return compareExact(exact(a)!, exact(b)!);
}

function integerDigits(e: Exact & { kind: 'finite' }): string | undefined {
  if (e.exp >= 0) return (e.sign < 0 ? '-' : '') + (e.mant * 10n ** BigInt(e.exp)).toString();
  const scale = 10n ** BigInt(-e.exp);
  if (e.mant % scale !== 0n) return undefined;
  return (e.sign < 0 ? '-' : '') + (e.mant / scale).toString();
}

/**
 * The canonical hash key body of a number: values equal in MongoDB's sense share it, across
 * int32, int64, double and Decimal128. Integers are written with all their digits, other
 * doubles in their shortest form, and a decimal that no double equals gets a `D` prefix.
 */
export function numberKey(v: unknown): string {
  if (typeof v === 'number') {
    if (Object.is(v, -0)) return 'd0';
    if (Number.isInteger(v) && Math.abs(v) >= SAFE) return 'd' + BigInt(v).toString();
    return 'd' + v;
  }
  const e = exact(v)!;
  if (e.kind === 'nan') return 'dNaN';
  if (e.kind === 'inf') return e.sign > 0 ? 'dInfinity' : 'd-Infinity';
  if (e.sign === 0) return 'd0';
  const digits = integerDigits(e);
  if (digits !== undefined) return 'd' + digits;
  const asDouble = Number((v as Decimal128).toString());
  if (compareExact(exactDouble(asDouble), e) === 0) return 'd' + asDouble;
  return 'D' + (v as Decimal128).toString();
}

/** A Long or Decimal128 as text mongod would print, without the precision loss of a double. */
export function formatNumber(v: unknown): string {
  if (isLong(v) || typeof v === 'bigint') return v.toString();
  if (isDecimal(v)) return `Decimal128("${v.toString()}")`;
  return String(v);
}

/** An int64 (Long or bigint) as its decimal digits. */
const formatPlain = (v: unknown): string =>
  isLong(v) || typeof v === 'bigint' ? v.toString() : 'NaN';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

type Arith = 'add' | 'mul';

function decimalOf(e: Exact): Decimal128 {
  if (e.kind === 'nan') return Decimal128.fromString('NaN');
  if (e.kind === 'inf') return Decimal128.fromString(e.sign > 0 ? 'Infinity' : '-Infinity');
  const digits = (e.sign < 0 ? '-' : '') + e.mant.toString();
  return Decimal128.fromStringWithRounding(`${digits}E${e.exp}`);
}

function apply(op: Arith, a: Exact & { kind: 'finite' }, b: Exact & { kind: 'finite' }): Exact {
  const x = BigInt(a.sign) * a.mant;
  const y = BigInt(b.sign) * b.mant;
  if (op === 'mul') return finite(x * y, a.exp + b.exp);
  const exp = Math.min(a.exp, b.exp);
  return finite(x * 10n ** BigInt(a.exp - exp) + y * 10n ** BigInt(b.exp - exp), exp);
}

/**
 * `$inc`/`$mul` with an int64 or Decimal128 on either side, by MongoDB's type promotion: any
 * Decimal128 gives a Decimal128, else any double a double, else an int64 (an overflow is an
 * error, as in mongod). Returns undefined when both sides are plain numbers (mingo's path).
 */
export function wideArithmetic(op: Arith, a: unknown, b: unknown): unknown {
  if (!isWideNumber(a) && !isWideNumber(b)) return undefined;
  const ea = exact(a);
  const eb = exact(b);
  if (!ea || !eb) return undefined;
  if (isDecimal(a) || isDecimal(b)) {
    if (ea.kind !== 'finite' || eb.kind !== 'finite') return decimalOf({ kind: 'nan' });
    return decimalOf(apply(op, ea, eb));
  }
  const isDouble = (v: unknown): boolean => typeof v === 'number' && !Number.isInteger(v);
  if (isDouble(a) || isDouble(b)) {
    const x = Number(typeof a === 'number' ? a : formatPlain(a));
    const y = Number(typeof b === 'number' ? b : formatPlain(b));
    return op === 'add' ? x + y : x * y;
  }
  const r = apply(op, ea as Exact & { kind: 'finite' }, eb as Exact & { kind: 'finite' });
  const n = BigInt((r as { sign: number }).sign) * (r as { mant: bigint }).mant;
  if (n < INT64_MIN || n > INT64_MAX) return null;
  return Long.fromBigInt(n);
}
