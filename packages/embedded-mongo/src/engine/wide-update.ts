import type { Document } from 'bson';
import { ErrorCodes, MongoCommandError } from '../errors';
import { isWideNumber, wideArithmetic } from './numeric';
import { compareValues, formatValue, getPath, isPlainObject, setPath, typeRank } from './values';

/*
 * `$inc`, `$mul`, `$min` and `$max` where an int64 or a Decimal128 is involved (as the operand or
 * as the stored value). mingo computes them with JS arithmetic, which turns a Long into a string
 * and loses precision beyond 2^53; these fields are applied here instead, and the rest of the
 * update goes to mingo as before.
 */

const OPS = ['$inc', '$mul', '$min', '$max'] as const;

const isNumeric = (v: unknown): boolean => typeRank(v) === 2;

const typeTag = (v: unknown): unknown =>
  typeof v === 'object' && v !== null ? (v as { _bsontype?: string })._bsontype : typeof v;

/** Same value and same BSON type: `$inc: 0` on a Long modifies nothing. */
const sameValue = (a: unknown, b: unknown): boolean =>
  b !== undefined && typeTag(a) === typeTag(b) && compareValues(a, b) === 0;

function apply(
  op: (typeof OPS)[number],
  current: unknown,
  operand: unknown,
  doc: Document,
): unknown {
  if (op === '$min' || op === '$max') {
    if (current === undefined) return operand;
    const c = compareValues(operand, current);
    return (op === '$min' ? c < 0 : c > 0) ? operand : current;
  }
  if (!isNumeric(operand))
    throw new MongoCommandError(
      ErrorCodes.TypeMismatch,
      `Cannot ${op === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: ${formatValue(operand)}`,
    );
  if (current !== undefined && !isNumeric(current))
    throw new MongoCommandError(
      ErrorCodes.TypeMismatch,
      `Cannot apply ${op} to a value of non-numeric type. {_id: ${formatValue(doc._id)}} has a field of non-numeric type`,
    );
  const result = wideArithmetic(op === '$inc' ? 'add' : 'mul', current ?? 0, operand);
  if (result === null)
    throw new MongoCommandError(
      ErrorCodes.BadValue,
      `Failed to apply ${op} operations to current value (${formatValue(current)}) for document {_id: ${formatValue(doc._id)}}`,
    );
  return result;
}

/**
 * Applies the wide-number fields of `modifier` to `out` (a private copy) and returns the
 * modifier that is left for mingo, plus the paths that changed.
 */
export function applyWideNumbers(
  out: Document,
  modifier: Document,
): { rest: Document; changed: string[] } {
  let rest = modifier;
  const changed: string[] = [];
  for (const op of OPS) {
    const fields = modifier[op] as unknown;
    if (!isPlainObject(fields)) continue;
    for (const [path, operand] of Object.entries(fields)) {
      if (path.includes('$')) continue;
      const current = getPath(out, path);
      if (!isWideNumber(operand) && !isWideNumber(current)) continue;
      const next = apply(op, current, operand, out);
      if (rest === modifier) rest = { ...modifier };
      const left: Document = { ...(rest[op] as Document) };
      delete left[path];
      if (Object.keys(left).length === 0) delete rest[op];
      else rest[op] = left;
      if (!sameValue(next, current)) {
        setPath(out, path, next);
        changed.push(path);
      }
    }
  }
  return { rest, changed };
}
