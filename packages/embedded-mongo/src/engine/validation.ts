import type { Document } from 'bson';
import type { Query } from 'mingo/query';
import { ErrorCodes, MongoCommandError } from '../errors';
import { compileFilter } from './planner';
import { isPlainObject } from './values';

/*
 * Document validation (`validator`, `validationLevel`, `validationAction` from create/collMod),
 * checked on every insert and update that does not bypass it, as mongod does.
 */

/** Compiled validators by the options object holding them (collMod swaps in a new one). */
const compiled = new WeakMap<Document, Query>();

/**
 * Throws DocumentValidationFailure (121) when `doc` fails the collection's validator. `old` is
 * the pre-image of an update: under `validationLevel: 'moderate'` an update of a document that
 * was already invalid is not checked.
 */
export function checkValidation(options: Document, doc: Document, old?: Document): void {
  const validator = options.validator as unknown;
  if (!isPlainObject(validator) || Object.keys(validator).length === 0) return;
  const level = (options.validationLevel as string | undefined) ?? 'strict';
  // `warn` writes the document (mongod only logs the failure).
  if (level === 'off' || options.validationAction === 'warn') return;
  let q = compiled.get(options);
  if (!q) compiled.set(options, (q = compileFilter(validator)));
  if (q.test(doc)) return;
  if (old && level === 'moderate' && !q.test(old)) return;
  const first = Object.keys(validator)[0];
  throw new MongoCommandError(ErrorCodes.DocumentValidationFailure, 'Document failed validation', {
    errInfo: {
      failingDocumentId: doc._id as unknown,
      details: { operatorName: first.startsWith('$') ? first : '$eq' },
    },
  });
}
