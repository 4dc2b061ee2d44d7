import { Binary, Decimal128, Double, Int32, Long, ObjectId, Timestamp, type Document } from 'bson';
import type { Collation } from './collation';
import { compareNumbers, formatNumber, numberKey } from './numeric';

/*
 * BSON value helpers. Index maps are keyed by a canonical string so that values equal in
 * MongoDB's sense (1, 1.0, Long(1) and Decimal128("1.0"); two ObjectId instances with the same
 * bytes; under a collation, strings it calls equal) share a key.
 */

type Tagged = { _bsontype?: string };

function bsonType(v: unknown): string | undefined {
  return typeof v === 'object' && v !== null ? (v as Tagged)._bsontype : undefined;
}

/** Numeric view of int/double/Long/Decimal128 values, or undefined for non-numbers. */
export function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  switch (bsonType(v)) {
    case 'Long':
      return (v as Long).toNumber();
    case 'Int32':
    case 'Double':
      return (v as Int32 | Double).valueOf();
    case 'Decimal128':
      return Number((v as Decimal128).toString());
    default:
      return undefined;
  }
}

/** Int32/Double wrappers as plain numbers; int64 and Decimal128 as they are, for exact comparison. */
function numericOperand(v: unknown): unknown {
  if (typeof v === 'number') return v;
  const t = bsonType(v);
  return t === 'Long' || t === 'Decimal128' || typeof v === 'bigint' ? v : asNumber(v);
}

/** MongoDB's cross-type sort order (numbers share one bracket). */
export function typeRank(v: unknown): number {
  if (v === undefined || v === null) return 1;
  if (asNumber(v) !== undefined) return 2;
  if (typeof v === 'string') return 3;
  if (typeof v === 'boolean') return 8;
  if (v instanceof Date) return 9;
  if (v instanceof RegExp) return 11;
  if (Array.isArray(v)) return 5;
  switch (bsonType(v)) {
    case 'MinKey':
      return 0;
    case 'MaxKey':
      return 12;
    case 'Binary':
    case 'UUID':
      return 6;
    case 'ObjectId':
      return 7;
    case 'Timestamp':
      return 10;
    case 'BSONRegExp':
      return 11;
    case 'BSONSymbol':
      return 3;
    default:
      return 4;
  }
}

const SAFE = 2 ** 53;

/** The canonical key of a value; with a collation, strings are keyed by their equivalence class. */
export function keyOf(v: unknown, collation?: Collation): string {
  if (v === undefined || v === null) return 'n';
  if (typeof v === 'string') return 's' + (collation ? collation.canonical(v) : v);
  if (typeof v === 'number') {
    if (Object.is(v, -0)) return 'd0';
    return v < SAFE && v > -SAFE ? 'd' + v : numberKey(v);
  }
  if (typeof v === 'boolean') return v ? 'b1' : 'b0';
  if (v instanceof Date) return 't' + v.getTime();
  if (Array.isArray(v)) return 'A[' + v.map((x) => keyOf(x, collation)).join(',') + ']';
  if (v instanceof RegExp) return 'r' + v.source + '/' + v.flags;
  const type = bsonType(v);
  switch (type) {
    case 'ObjectId':
      return 'o' + (v as ObjectId).toHexString();
    case 'Binary':
    case 'UUID':
      return (
        'x' + (v as Binary).sub_type + ':' + Buffer.from((v as Binary).buffer).toString('base64')
      );
    case 'Int32':
    case 'Double':
      return keyOf(asNumber(v));
    case 'Long':
    case 'Decimal128':
      return numberKey(v);
    case 'BSONSymbol':
      return keyOf((v as { value: string }).value, collation);
    case 'Timestamp':
      return `T${(v as Timestamp).t}:${(v as Timestamp).i}`;
    case 'MinKey':
      return 'm';
    case 'MaxKey':
      return 'M';
    case undefined:
      break;
    default:
      return type + ':' + JSON.stringify(v);
  }
  const doc = v as Document;
  let out = 'O{';
  for (const k of Object.keys(doc)) out += JSON.stringify(k) + ':' + keyOf(doc[k], collation) + ',';
  return out + '}';
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  return Buffer.compare(a, b);
}

/**
 * Total order over BSON values, following MongoDB's comparison rules closely enough for sorting
 * and ranges: numbers compare exactly across types, strings by the collation when one is given.
 */
export function compareValues(a: unknown, b: unknown, collation?: Collation): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 2:
      return compareNumbers(numericOperand(a), numericOperand(b));
    case 3: {
      const x = String(a);
      const y = String(b);
      if (collation) return collation.compare(x, y);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 4:
      return compareDocs(a as Document, b as Document, collation);
    case 5:
      return compareArrays(a as unknown[], b as unknown[], collation);
    case 6:
      return compareBytes((a as Binary).buffer, (b as Binary).buffer);
    case 7:
      return Buffer.compare((a as ObjectId).id, (b as ObjectId).id);
    case 8:
      return Number(a) - Number(b);
    case 9:
      return (a as Date).getTime() - (b as Date).getTime();
    case 10:
      return (a as Timestamp).compare(b as Timestamp);
    default:
      return keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0;
  }
}

function compareArrays(a: unknown[], b: unknown[], collation?: Collation): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareValues(a[i], b[i], collation);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function compareDocs(a: Document, b: Document, collation?: Collation): number {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const c = compareValues(a[ka[i]], b[kb[i]], collation);
    if (c !== 0) return c;
    if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
  }
  return ka.length - kb.length;
}

/** Deep copy that keeps BSON value classes; ObjectId and friends are immutable so they are shared. */
export function deepClone<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(deepClone) as T;
  if (v instanceof Date) return new Date(v.getTime()) as T;
  if (bsonType(v) !== undefined || v instanceof RegExp) return v;
  if (v instanceof Uint8Array) return Buffer.from(v) as T;
  const out: Document = {};
  for (const k of Object.keys(v)) out[k] = deepClone((v as Record<string, unknown>)[k]);
  return out as T;
}

export function isPlainObject(v: unknown): v is Document {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Date) &&
    !(v instanceof RegExp) &&
    !(v instanceof Uint8Array) &&
    bsonType(v) === undefined
  );
}

/**
 * Values reached by a dotted path, traversing arrays the way MongoDB's index keys do.
 * A missing path yields [undefined] (indexed as null); an array leaf yields its elements.
 */
export function valuesAtPath(doc: unknown, path: string): unknown[] {
  return valuesAtParts(doc, path.split('.'));
}

/** valuesAtPath with a pre-split path; a plain top-level field takes a fast path. */
export function valuesAtParts(doc: unknown, parts: string[]): unknown[] {
  if (parts.length === 1 && isPlainObject(doc)) {
    const v = doc[parts[0]] as unknown;
    if (!Array.isArray(v)) return [v];
  }
  const out: unknown[] = [];
  collect(doc, parts, 0, out);
  return out.length === 0 ? [undefined] : out;
}

function collect(v: unknown, parts: string[], i: number, out: unknown[]): void {
  if (i === parts.length) {
    if (Array.isArray(v)) {
      if (v.length === 0) out.push(undefined);
      else for (const el of v as unknown[]) out.push(el);
    } else out.push(v);
    return;
  }
  if (Array.isArray(v)) {
    const idx = Number(parts[i]);
    if (Number.isInteger(idx) && /^\d+$/.test(parts[i])) {
      collect(v[idx], parts, i + 1, out);
      return;
    }
    for (const el of v) if (isPlainObject(el)) collect(el, parts, i, out);
    return;
  }
  if (!isPlainObject(v)) return;
  if (!(parts[i] in v)) return;
  collect(v[parts[i]], parts, i + 1, out);
}

/** Plain (non-array-expanding) lookup of a dotted path. */
export function getPath(doc: Document, path: string): unknown {
  let cur: unknown = doc;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Document)[p];
  }
  return cur;
}

export function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    if (!isPlainObject(cur[parts[i]])) cur[parts[i]] = {};
    cur = cur[parts[i]] as Document;
  }
  cur[parts[parts.length - 1]] = value;
}

/** Renders a value the way mongod prints it in E11000 messages. */
export function formatValue(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  if (Array.isArray(v)) return '[ ' + v.map(formatValue).join(', ') + ' ]';
  switch (bsonType(v)) {
    case 'ObjectId':
      return `ObjectId('${(v as ObjectId).toHexString()}')`;
    case 'Int32':
    case 'Double':
      return String(asNumber(v));
    case 'Long':
    case 'Decimal128':
      return formatNumber(v);
    case 'Binary':
    case 'UUID':
      return `BinData(${(v as Binary).sub_type}, ${Buffer.from((v as Binary).buffer)
        .toString('hex')
        .toUpperCase()})`;
    default:
      break;
  }
  if (isPlainObject(v)) {
    const parts = Object.keys(v).map((k) => `${k}: ${formatValue(v[k])}`);
    return parts.length ? `{ ${parts.join(', ')} }` : '{}';
  }
  return JSON.stringify(v) ?? 'undefined';
}

export { Long, ObjectId };
