import type { Document } from 'bson';
import { ErrorCodes, MongoCommandError } from '../errors';
import { formatValue } from './values';

/*
 * MongoDB collations (ICU) on top of `Intl.Collator`, which is ICU too. Only strings are
 * collated. `Collation.canonical` gives every string the first-seen member of its equivalence
 * class, so hash maps (index keys, distinct, unique checks) treat collation-equal strings as one.
 */

const FIELDS = new Set([
  'locale',
  'caseLevel',
  'caseFirst',
  'strength',
  'numericOrdering',
  'alternate',
  'maxVariable',
  'normalization',
  'backwards',
  'version',
]);

const LOCALE = /^[a-z]{2,3}(_[A-Z][a-z]{3})?(_[A-Z]{2}|_\d{3})?(_[A-Z0-9]+)?(@collation=[a-z]+)?$/;

/** The ICU version mongod 7.0 reports in every collation it lists. */
const ICU_VERSION = '57.1';

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'double';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

function wrongType(field: string, v: unknown, expected: string): MongoCommandError {
  return new MongoCommandError(
    ErrorCodes.TypeMismatch,
    `BSON field 'collation.${field}' is the wrong type '${typeName(v)}', expected type '${expected}'`,
  );
}

function toIntlLocale(locale: string): string {
  const [base, keyword] = locale.split('@collation=');
  const tag = base.replace(/_/g, '-');
  return keyword ? `${tag}-u-co-${keyword.slice(0, 8)}` : tag;
}

export class Collation {
  private readonly collator: Intl.Collator;
  /** Raw string to the representative of its class. */
  private readonly reps = new Map<string, string>();
  /** Coarse key to the representatives sharing it (collation-equal strings share a coarse key). */
  private readonly buckets = new Map<string, string[]>();

  /** `spec` is the full collation document, as mongod lists it. */
  constructor(readonly spec: Document) {
    const strength = spec.strength as number;
    let sensitivity: Intl.CollatorOptions['sensitivity'] =
      strength === 1 ? 'base' : strength === 2 ? 'accent' : 'variant';
    if (spec.caseLevel === true && sensitivity === 'base') sensitivity = 'case';
    if (spec.caseLevel === true && sensitivity === 'accent') sensitivity = 'variant';
    this.collator = new Intl.Collator(toIntlLocale(spec.locale as string), {
      usage: 'sort',
      sensitivity,
      caseFirst: spec.caseFirst === 'off' ? 'false' : (spec.caseFirst as 'upper' | 'lower'),
      numeric: spec.numericOrdering === true,
      ignorePunctuation: spec.alternate === 'shifted',
    });
  }

  /** A cache key for the collation (two equal specs collate alike). */
  get id(): string {
    return JSON.stringify(this.spec);
  }

  compare(a: string, b: string): number {
    if (a === b) return 0;
    return this.collator.compare(a, b);
  }

  /** Folds what any ICU strength may ignore, so equal strings always land in one bucket. */
  private coarse(s: string): string {
    let k = s
      .normalize('NFKD')
      .replace(/[\p{M}\p{Cf}\p{Cc}]/gu, '')
      .toLowerCase()
      .replace(/ß/g, 'ss')
      .replace(/æ/g, 'ae')
      .replace(/œ/g, 'oe');
    if (this.spec.alternate === 'shifted') k = k.replace(/[\p{P}\p{S}\p{Z}\s]/gu, '');
    if (this.spec.numericOrdering === true)
      k = k.replace(/\d+/g, (d) => d.replace(/^0+(?=\d)/, ''));
    return k;
  }

  /** The representative of `s`'s equivalence class under this collation. */
  canonical(s: string): string {
    const known = this.reps.get(s);
    if (known !== undefined) return known;
    const key = this.coarse(s);
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = []));
    let rep = bucket.find((r) => this.collator.compare(r, s) === 0);
    if (rep === undefined) {
      rep = s;
      bucket.push(s);
    }
    this.reps.set(s, rep);
    return rep;
  }
}

const cache = new Map<string, Collation>();

/**
 * Parses a `collation` option the way mongod validates it. Returns undefined for none, `null`
 * for `{locale: 'simple'}` (binary comparison, which also overrides a collection default).
 */
export function parseCollation(raw: unknown, command?: string): Collation | null | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new MongoCommandError(
      ErrorCodes.TypeMismatch,
      `BSON field '${command ? command + '.' : ''}collation' is the wrong type '${typeName(raw)}', expected type 'object'`,
    );
  const doc = raw as Document;
  for (const k of Object.keys(doc))
    if (!FIELDS.has(k))
      throw new MongoCommandError(
        ErrorCodes.Location40415,
        `BSON field 'collation.${k}' is an unknown field.`,
      );
  const locale = doc.locale as unknown;
  if (locale === undefined)
    throw new MongoCommandError(
      ErrorCodes.Location40414,
      `BSON field '${command ? command + '.' : ''}collation.locale' is missing but a required field`,
    );
  if (typeof locale !== 'string') throw wrongType('locale', locale, 'string');
  for (const k of ['caseLevel', 'numericOrdering', 'normalization', 'backwards'])
    if (doc[k] !== undefined && typeof doc[k] !== 'boolean') throw wrongType(k, doc[k], 'bool');
  for (const k of ['caseFirst', 'alternate', 'maxVariable', 'version'])
    if (doc[k] !== undefined && typeof doc[k] !== 'string') throw wrongType(k, doc[k], 'string');
  const strength = doc.strength === undefined ? 3 : Number(doc.strength);
  if (!Number.isInteger(strength)) throw wrongType('strength', doc.strength, 'int');
  if (strength < 1 || strength > 5)
    throw new MongoCommandError(
      ErrorCodes.Location51024,
      `BSON field 'strength' value must be ${strength < 1 ? '>= 1' : '<= 5'}, actual value '${strength}'`,
    );
  if (locale === 'simple') {
    if (Object.keys(doc).length > 1)
      throw new MongoCommandError(
        ErrorCodes.BadValue,
        `If "locale" is set to "simple", then no other fields may be specified: ${formatValue(doc)}`,
      );
    return null;
  }
  if (!LOCALE.test(locale) || Intl.Collator.supportedLocalesOf([toIntlLocale(locale)]).length === 0)
    throw new MongoCommandError(
      ErrorCodes.BadValue,
      `Field 'locale' is invalid in: ${formatValue(doc)}`,
    );
  const oneOf = (field: string, allowed: string[], fallback: string): string => {
    const v = (doc[field] as string | undefined) ?? fallback;
    if (!allowed.includes(v))
      throw new MongoCommandError(
        ErrorCodes.FailedToParse,
        `Field '${field}' must be one of ${allowed.map((a) => `'${a}'`).join(', ')}. Got: ${v}`,
      );
    return v;
  };
  const spec: Document = {
    locale,
    caseLevel: doc.caseLevel === true,
    caseFirst: oneOf('caseFirst', ['upper', 'lower', 'off'], 'off'),
    strength,
    numericOrdering: doc.numericOrdering === true,
    alternate: oneOf('alternate', ['non-ignorable', 'shifted'], 'non-ignorable'),
    maxVariable: oneOf('maxVariable', ['punct', 'space'], 'punct'),
    normalization: doc.normalization === true,
    backwards: doc.backwards === true,
    version: ICU_VERSION,
  };
  const id = JSON.stringify(spec);
  let c = cache.get(id);
  if (!c) cache.set(id, (c = new Collation(spec)));
  return c;
}

/** The collation an operation runs under: its own, else the collection's default, else binary. */
export function effectiveCollation(
  raw: unknown,
  collectionDefault: Collation | undefined,
  command?: string,
): Collation | undefined {
  const own = parseCollation(raw, command);
  if (own === null) return undefined;
  return own ?? collectionDefault;
}
