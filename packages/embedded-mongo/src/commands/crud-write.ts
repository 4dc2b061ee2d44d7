import type { Document } from 'bson';
import { effectiveCollation } from '../engine/collation';
import { applyUpdate, buildUpsert, isOperatorUpdate, validateUpdate } from '../engine/update';
import { ErrorCodes, MongoCommandError } from '../errors';
import {
  collName,
  docArray,
  letVariables,
  optionalDoc,
  writeError,
  type HandlerTable,
} from './context';

/** Runs each statement; an ordered batch stops at the first failure, an unordered one carries on. */
function eachStatement<T>(
  items: T[],
  ordered: boolean,
  run: (item: T, index: number) => void,
): Document[] {
  const errors: Document[] = [];
  for (let i = 0; i < items.length; i++) {
    try {
      run(items[i], i);
    } catch (err) {
      errors.push(writeError(i, err));
      if (ordered) break;
    }
  }
  return errors;
}

function withErrors(reply: Document, errors: Document[]): Document {
  if (errors.length > 0) reply.writeErrors = errors;
  return reply;
}

/**
 * The fields of an update statement that MongoDB 7.0 parses; anything else (`sort` arrived in
 * 8.0) fails the whole command, as mongod's IDL parser does.
 */
const UPDATE_STATEMENT_FIELDS = new Set([
  'q',
  'u',
  'c',
  'upsert',
  'multi',
  'arrayFilters',
  'hint',
  'collation',
  'upsertSupplied',
]);

function checkStatementFields(statements: Document[]): void {
  for (const st of statements) {
    for (const k of Object.keys(st)) {
      if (!UPDATE_STATEMENT_FIELDS.has(k))
        throw new MongoCommandError(
          ErrorCodes.Location40415,
          `BSON field 'update.updates.${k}' is an unknown field.`,
        );
    }
  }
}

export const writeCommands: HandlerTable = {
  insert: (cmd, ctx) => {
    const name = collName(cmd, 'insert');
    const docs = docArray(cmd, 'documents');
    const coll = ctx.engine.ensureCollection(ctx.db, name);
    const bypass = cmd.bypassDocumentValidation === true;
    const raw = ctx.rawSequences?.get('documents');
    let n = 0;
    const errors = eachStatement(docs, cmd.ordered !== false, (doc, i) => {
      coll.insert(doc, false, bypass, raw?.[i]);
      n++;
    });
    return withErrors({ n, ok: 1 }, errors);
  },

  update: (cmd, ctx) => {
    const name = collName(cmd, 'update');
    const statements = docArray(cmd, 'updates');
    checkStatementFields(statements);
    const variables = letVariables(cmd);
    const bypass = cmd.bypassDocumentValidation === true;
    let n = 0;
    let nModified = 0;
    const upserted: Document[] = [];
    const errors = eachStatement(statements, cmd.ordered !== false, (st, index) => {
      const q = optionalDoc(st, 'q') ?? {};
      const u = st.u as Document | Document[];
      validateUpdate(u);
      const multi = st.multi === true;
      if (multi && !Array.isArray(u) && !isOperatorUpdate(u)) {
        throw new MongoCommandError(
          ErrorCodes.FailedToParse,
          'multi update is not supported for replacement-style update',
        );
      }
      const arrayFilters = st.arrayFilters as Document[] | undefined;
      const existing = ctx.engine.collection(ctx.db, name);
      const collation = effectiveCollation(st.collation, existing?.defaultCollation);
      const matches = existing
        ? existing.find(q, undefined, multi ? Infinity : 1, variables, collation)
        : [];
      if (matches.length === 0) {
        if (st.upsert !== true) return;
        const doc = buildUpsert(q, u, arrayFilters, variables);
        ctx.engine.ensureCollection(ctx.db, name).insert(doc, false, bypass);
        upserted.push({ index, _id: doc._id as unknown });
        n++;
        return;
      }
      for (const doc of matches) {
        const out = applyUpdate(doc, u, { query: q, arrayFilters, inserting: false, variables });
        n++;
        if (!out.modified) continue;
        existing!.replace(doc, out.doc, bypass);
        nModified++;
      }
    });
    const reply: Document = { n, nModified, ok: 1 };
    if (upserted.length > 0) reply.upserted = upserted;
    return withErrors(reply, errors);
  },

  delete: (cmd, ctx) => {
    const name = collName(cmd, 'delete');
    const statements = docArray(cmd, 'deletes');
    const variables = letVariables(cmd);
    let n = 0;
    const errors = eachStatement(statements, cmd.ordered !== false, (st) => {
      const q = optionalDoc(st, 'q') ?? {};
      const limit = Number(st.limit ?? 0);
      if (limit !== 0 && limit !== 1)
        throw new MongoCommandError(
          ErrorCodes.FailedToParse,
          'The limit field in delete objects must be 0 or 1. Got ' + limit,
        );
      const coll = ctx.engine.collection(ctx.db, name);
      const collation = effectiveCollation(st.collation, coll?.defaultCollation);
      if (!coll) return;
      const max = limit === 1 ? 1 : Infinity;
      for (const doc of coll.find(q, undefined, max, variables, collation)) {
        coll.remove(doc);
        n++;
      }
    });
    return withErrors({ n, ok: 1 }, errors);
  },
};
