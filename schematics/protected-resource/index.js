// @ts-check
'use strict';
const { strings } = require('@angular-devkit/core');
const {
  apply,
  chain,
  externalSchematic,
  MergeStrategy,
  mergeWith,
  renameTemplateFiles,
  SchematicsException,
  template,
  url,
} = require('@angular-devkit/schematics');

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
// A subset of RFC 6749's scope-token: the value is written into TypeScript string literals and doc
// comments, so quotes, backslashes, `*` and `$` are left out rather than escaped.
const SCOPE = /^[A-Za-z0-9._:/+=@!#%&~-]{1,128}$/;
// The same rule as the role of a registered client (src/clients/client-credentials.ts).
const ROLE = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Where the scope and roles come from. Nest CLI 12 refuses options it does not know itself and
 * forwards none of a collection's own options, so `nest g` takes them from the environment;
 * the schematic's options (for the schematics binary or a programmatic run) take precedence.
 * @param {string | undefined} option
 * @param {string} flag
 * @param {string} variable
 */
function pick(option, flag, variable) {
  if (option !== undefined) return { value: option, from: flag };
  const env = process.env[variable];
  if (env !== undefined) return { value: env, from: variable };
  return undefined;
}

/** @param {{ value: string; from: string } | undefined} given @param {string} name */
function parseScope(given, name) {
  if (!given) return `${name}:read`;
  const scope = given.value.trim();
  if (scope === '')
    throw new SchematicsException(`${given.from} is empty: give one scope, e.g. ${name}:read`);
  if (/\s/.test(scope)) {
    throw new SchematicsException(
      `${given.from} "${given.value}" contains a space: a route takes one scope token, e.g. ${name}:read`,
    );
  }
  if (!SCOPE.test(scope)) {
    throw new SchematicsException(
      `${given.from} "${given.value}" is not a scope: use 1 to 128 letters, digits or . _ : / + = @ ! # % & ~ -`,
    );
  }
  return scope;
}

/** @param {{ value: string; from: string } | undefined} given */
function parseRoles(given) {
  if (!given) return ['user', 'admin'];
  const roles = given.value.split(',').map((r) => r.trim());
  if (roles.some((r) => r === '')) {
    throw new SchematicsException(
      `${given.from} "${given.value}" has an empty role: give comma-separated roles, e.g. user,admin`,
    );
  }
  const bad = roles.find((r) => !ROLE.test(r));
  if (bad !== undefined) {
    throw new SchematicsException(
      `${given.from}: role "${bad}" is not a role: use 1 to 64 letters, digits or . _ : -`,
    );
  }
  return [...new Set(roles)];
}

/**
 * Refuses before anything is written: Nest's module schematic would otherwise add a second import
 * to AppModule, and our templates would overwrite the module the developer has since edited.
 * @param {string} name
 */
function refuseExisting(name) {
  /** @param {import('@angular-devkit/schematics').Tree} tree */
  return (tree) => {
    const taken = [`src/${name}`, `test/e2e/${name}.e2e-spec.ts`].filter(
      (path) =>
        tree.exists(path) ||
        tree.getDir(path).subfiles.length + tree.getDir(path).subdirs.length > 0,
    );
    if (taken.length > 0) {
      throw new SchematicsException(
        `"${name}" already exists (${taken.join(', ')}): nothing was generated; pick another name or remove it first`,
      );
    }
    return tree;
  };
}

/**
 * Generates src/<name>/ (module, controller, service, response DTO) and test/e2e/<name>.e2e-spec.ts.
 * Registration in AppModule is delegated to Nest's own `module` schematic, so the import is added
 * exactly as `nest g module` would add it; our templates then replace the empty module it wrote.
 * @param {{ name: string; scope?: string; roles?: string }} options
 */
function protectedResource(options) {
  const name = strings.dasherize(options.name);
  if (!NAME.test(name)) {
    throw new SchematicsException(
      `invalid resource name "${options.name}": use lower-case letters, digits and dashes`,
    );
  }
  const scope = parseScope(pick(options.scope, '--scope', 'RESOURCE_SCOPE'), name);
  const roles = parseRoles(pick(options.roles, '--roles', 'RESOURCE_ROLES'));
  // The generated test's "wrong scope" client must hold some other scope than the required one.
  const otherScope = scope === 'read' ? 'write' : 'read';
  return chain([
    refuseExisting(name),
    externalSchematic('@nestjs/schematics', 'module', { name, sourceRoot: 'src', language: 'ts' }),
    mergeWith(
      apply(url('./files'), [
        template({ ...strings, name, scope, roles, otherScope }),
        renameTemplateFiles(),
      ]),
      MergeStrategy.Overwrite,
    ),
  ]);
}

module.exports = { protectedResource };
