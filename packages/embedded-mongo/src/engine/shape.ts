import { Query } from 'mingo';
import type { Document } from 'bson';
import type { Collation } from './collation';
import { MINGO_OPTIONS } from './planner';
import { ErrorCodes, MongoCommandError } from '../errors';
import { compareValues, getPath, isPlainObject, valuesAtPath } from './values';

/**
 * Sorts by a MongoDB sort spec; array fields sort by their min (asc) or max (desc) element,
 * strings by the collation when one is given.
 */
export function sortDocs(
  docs: Document[],
  sort: Document | undefined,
  collation?: Collation,
): Document[] {
  if (!sort || Object.keys(sort).length === 0) return docs;
  const spec = Object.entries(sort).map(([path, dir]) => {
    if (dir !== 1 && dir !== -1 && !isPlainObject(dir)) {
      throw new MongoCommandError(
        ErrorCodes.BadValue,
        `$sort key ordering must be 1 (for ascending) or -1 (for descending)`,
      );
    }
    return { path, dir: dir === -1 ? -1 : 1 };
  });
  const keyFor = (d: Document, path: string, dir: number): unknown => {
    const vals = valuesAtPath(d, path);
    if (vals.length === 1) return vals[0];
    return vals.reduce((a, b) => (compareValues(a, b, collation) * dir <= 0 ? a : b));
  };
  const decorated = docs.map((d) => ({ d, k: spec.map((s) => keyFor(d, s.path, s.dir)) }));
  decorated.sort((a, b) => {
    for (let i = 0; i < spec.length; i++) {
      const c = compareValues(a.k[i], b.k[i], collation);
      if (c !== 0) return c * spec[i].dir;
    }
    return 0;
  });
  return decorated.map((x) => x.d);
}

function isSimpleProjection(p: Document): boolean {
  return Object.values(p).every((v) => v === 0 || v === 1 || v === true || v === false);
}

/**
 * Returns a function applying a find projection. Plain inclusion/exclusion is done here;
 * operators ($slice, $elemMatch, positional) fall back to mingo.
 */
export function projector(
  projection: Document | undefined,
  filter: Document = {},
): ((d: Document) => Document) | undefined {
  if (!projection || Object.keys(projection).length === 0) return undefined;
  if (!isSimpleProjection(projection) || Object.keys(projection).some((k) => k.includes('$'))) {
    const q = new Query(filter, MINGO_OPTIONS);
    return (d) => q.find([d], projection).all()[0] as Document;
  }
  const entries = Object.entries(projection).map(([k, v]) => [k, v === 1 || v === true] as const);
  const inclusive = entries.some(([k, inc]) => inc && k !== '_id');
  if (inclusive && entries.some(([k, inc]) => !inc && k !== '_id')) {
    throw new MongoCommandError(
      ErrorCodes.Location31254,
      'Cannot do exclusion on field in inclusion projection',
    );
  }
  const idIncluded = !entries.some(([k, inc]) => k === '_id' && !inc);
  if (inclusive) {
    const paths = entries.filter(([k, inc]) => inc && k !== '_id').map(([k]) => k);
    return (d) => {
      const out: Document = {};
      if (idIncluded && d._id !== undefined) out._id = d._id as unknown;
      for (const p of paths) include(d, out, p.split('.'));
      return out;
    };
  }
  const paths = entries.filter(([, inc]) => !inc).map(([k]) => k);
  return (d) => {
    let out: Document = { ...d };
    for (const p of paths) out = exclude(out, p.split('.'));
    return out;
  };
}

function include(src: unknown, dst: Document, parts: string[]): void {
  if (!isPlainObject(src) || !(parts[0] in src)) return;
  const v = src[parts[0]] as unknown;
  if (parts.length === 1) {
    dst[parts[0]] = v;
    return;
  }
  if (Array.isArray(v)) {
    const arr = (Array.isArray(dst[parts[0]]) ? dst[parts[0]] : v.map(() => ({}))) as Document[];
    v.forEach((el, i) => {
      if (isPlainObject(el)) include(el, arr[i], parts.slice(1));
    });
    dst[parts[0]] = arr.filter((x, i) => isPlainObject(v[i]));
    return;
  }
  if (!isPlainObject(v)) return;
  const sub = (isPlainObject(dst[parts[0]]) ? dst[parts[0]] : {}) as Document;
  include(v, sub, parts.slice(1));
  dst[parts[0]] = sub;
}

function exclude(doc: Document, parts: string[]): Document {
  if (!(parts[0] in doc)) return doc;
  const out = { ...doc };
  if (parts.length === 1) {
    delete out[parts[0]];
    return out;
  }
  const v = out[parts[0]] as unknown;
  if (Array.isArray(v))
    out[parts[0]] = v.map((el: unknown) => (isPlainObject(el) ? exclude(el, parts.slice(1)) : el));
  else if (isPlainObject(v)) out[parts[0]] = exclude(v, parts.slice(1));
  return out;
}

export { getPath };
