import type { Document } from 'bson';
import { effectiveCollation } from '../engine/collation';
import { projector, sortDocs } from '../engine/shape';
import { applyUpdate, buildUpsert, validateUpdate } from '../engine/update';
import { ErrorCodes, MongoCommandError } from '../errors';
import { collName, letVariables, optionalDoc, type HandlerTable } from './context';

/*
 * Match and apply run in one synchronous call, so a compare-and-set through findAndModify is
 * atomic: no other command can run between reading the document and swapping in its post-image.
 */
export const findAndModifyCommands: HandlerTable = {
  findAndModify: (cmd, ctx) => {
    const name = collName(cmd, 'findAndModify');
    const query = optionalDoc(cmd, 'query') ?? {};
    const sort = optionalDoc(cmd, 'sort');
    const remove = cmd.remove === true;
    const u = cmd.update as Document | Document[] | undefined;
    const returnNew = cmd.new === true;
    const upsert = cmd.upsert === true;
    if (remove && u !== undefined)
      throw new MongoCommandError(
        ErrorCodes.FailedToParse,
        'Cannot specify both an update and remove=true',
      );
    if (!remove && u === undefined)
      throw new MongoCommandError(
        ErrorCodes.FailedToParse,
        'Either an update or remove=true must be specified',
      );
    if (remove && upsert)
      throw new MongoCommandError(
        ErrorCodes.FailedToParse,
        'Cannot specify both upsert=true and remove=true',
      );
    if (remove && returnNew)
      throw new MongoCommandError(
        ErrorCodes.FailedToParse,
        "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document",
      );
    if (u !== undefined) validateUpdate(u);
    const project = projector(optionalDoc(cmd, 'fields'), query);
    const shape = (d: Document | null): Document | null => (d && project ? project(d) : d);

    const existing = ctx.engine.collection(ctx.db, name);
    const unsorted = !sort || Object.keys(sort).length === 0;
    const variables = letVariables(cmd);
    const collation = effectiveCollation(cmd.collation, existing?.defaultCollation);
    const candidates = existing
      ? existing.find(query, undefined, unsorted ? 1 : Infinity, variables, collation)
      : [];
    const doc = sortDocs(candidates, sort, collation)[0];

    if (remove) {
      if (!doc) return { lastErrorObject: { n: 0 }, value: null, ok: 1 };
      existing!.remove(doc);
      return { lastErrorObject: { n: 1 }, value: shape(doc), ok: 1 };
    }
    const arrayFilters = cmd.arrayFilters as Document[] | undefined;
    const bypass = cmd.bypassDocumentValidation === true;
    if (doc) {
      const out = applyUpdate(doc, u!, { query, arrayFilters, inserting: false, variables });
      if (out.modified) existing!.replace(doc, out.doc, bypass);
      return {
        lastErrorObject: { n: 1, updatedExisting: true },
        value: shape(returnNew ? out.doc : doc),
        ok: 1,
      };
    }
    if (!upsert) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
    const inserted = buildUpsert(query, u!, arrayFilters, variables);
    ctx.engine.ensureCollection(ctx.db, name).insert(inserted, false, bypass);
    return {
      lastErrorObject: { n: 1, updatedExisting: false, upserted: inserted._id as unknown },
      value: returnNew ? shape(inserted) : null,
      ok: 1,
    };
  },
};
