import type { Document } from 'bson';
import { isPlainObject, keyOf, typeRank } from './values';

/*
 * MongoDB's `$jsonSchema` (draft 4 plus `bsonType`), for validators and filters: the keywords
 * mongod documents for it. Unknown keywords are ignored rather than refused.
 */

type Check = (v: unknown) => boolean;

function tagOf(v: unknown): string | undefined {
  return typeof v === 'object' && v !== null ? (v as { _bsontype?: string })._bsontype : undefined;
}

const BSON_TYPES: Record<string, Check> = {
  double: (v) => typeof v === 'number' && !Number.isInteger(v),
  string: (v) => typeof v === 'string',
  object: isPlainObject,
  array: Array.isArray,
  binData: (v) => tagOf(v) === 'Binary',
  objectId: (v) => tagOf(v) === 'ObjectId',
  bool: (v) => typeof v === 'boolean',
  date: (v) => v instanceof Date,
  null: (v) => v === null,
  regex: (v) => v instanceof RegExp || tagOf(v) === 'BSONRegExp',
  int: (v) => typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 31,
  long: (v) => tagOf(v) === 'Long' || (typeof v === 'number' && Number.isInteger(v)),
  decimal: (v) => tagOf(v) === 'Decimal128',
  timestamp: (v) => tagOf(v) === 'Timestamp',
  number: (v) => typeRank(v) === 2,
};

const JSON_TYPES: Record<string, Check> = {
  object: isPlainObject,
  array: Array.isArray,
  string: (v) => typeof v === 'string',
  number: (v) => typeRank(v) === 2,
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  boolean: (v) => typeof v === 'boolean',
  null: (v) => v === null,
};

const anyOf = (names: unknown, table: Record<string, Check>): Check => {
  const checks = (Array.isArray(names) ? names : [names]).map(
    (n) => table[n as string] ?? (() => false),
  );
  return (v) => checks.some((c) => c(v));
};

/** Compiles a schema into a predicate over one value. */
export function compileSchema(schema: Document): Check {
  const checks: Check[] = [];
  const num = (v: unknown): number | undefined =>
    typeRank(v) === 2 ? Number(String(v)) : undefined;
  if (schema.bsonType !== undefined) checks.push(anyOf(schema.bsonType, BSON_TYPES));
  if (schema.type !== undefined) checks.push(anyOf(schema.type, JSON_TYPES));
  if (Array.isArray(schema.enum)) {
    const keys = new Set((schema.enum as unknown[]).map((v) => keyOf(v)));
    checks.push((v) => keys.has(keyOf(v)));
  }
  for (const [k, test] of [
    ['minimum', (x: number, l: number) => x >= l],
    ['maximum', (x: number, l: number) => x <= l],
  ] as const) {
    const limit = schema[k] as number | undefined;
    if (limit !== undefined) checks.push((v) => num(v) === undefined || test(num(v)!, limit));
  }
  const str =
    (f: (s: string) => boolean): Check =>
    (v) =>
      typeof v !== 'string' || f(v);
  if (schema.minLength !== undefined)
    checks.push(str((s) => [...s].length >= Number(schema.minLength)));
  if (schema.maxLength !== undefined)
    checks.push(str((s) => [...s].length <= Number(schema.maxLength)));
  if (typeof schema.pattern === 'string') {
    const re = new RegExp(schema.pattern, 'u');
    checks.push(str((s) => re.test(s)));
  }
  const arr =
    (f: (a: unknown[]) => boolean): Check =>
    (v) =>
      !Array.isArray(v) || f(v);
  if (schema.minItems !== undefined) checks.push(arr((a) => a.length >= Number(schema.minItems)));
  if (schema.maxItems !== undefined) checks.push(arr((a) => a.length <= Number(schema.maxItems)));
  if (isPlainObject(schema.items)) {
    const item = compileSchema(schema.items);
    checks.push(arr((a) => a.every(item)));
  }
  const obj =
    (f: (o: Document) => boolean): Check =>
    (v) =>
      !isPlainObject(v) || f(v);
  if (Array.isArray(schema.required)) {
    const required = schema.required as string[];
    checks.push(obj((o) => required.every((k) => o[k] !== undefined)));
  }
  const props = isPlainObject(schema.properties) ? schema.properties : {};
  const compiled = Object.entries(props).map(
    ([k, s]) => [k, compileSchema(s as Document)] as const,
  );
  if (compiled.length)
    checks.push(obj((o) => compiled.every(([k, c]) => o[k] === undefined || c(o[k]))));
  if (schema.additionalProperties === false)
    checks.push(obj((o) => Object.keys(o).every((k) => k in props)));
  for (const [k, combine] of [
    ['allOf', 'every'],
    ['anyOf', 'some'],
  ] as const) {
    if (Array.isArray(schema[k])) {
      const subs = (schema[k] as Document[]).map(compileSchema);
      checks.push((v) => subs[combine]((s) => s(v)));
    }
  }
  if (isPlainObject(schema.not)) {
    const not = compileSchema(schema.not);
    checks.push((v) => !not(v));
  }
  return (v) => checks.every((c) => c(v));
}

/** The `jsonSchemaValidator` mingo's `$jsonSchema` query operator takes. */
export const jsonSchemaValidator = (schema: Document): ((doc: unknown) => boolean) =>
  compileSchema(schema);
