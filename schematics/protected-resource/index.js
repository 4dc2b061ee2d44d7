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
  template,
  url,
} = require('@angular-devkit/schematics');

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * Generates src/<name>/ (module, controller, service, response DTO) and test/e2e/<name>.e2e-spec.ts.
 * Registration in AppModule is delegated to Nest's own `module` schematic, so the import is added
 * exactly as `nest g module` would add it; our templates then replace the empty module it wrote.
 * @param {{ name: string; scope?: string; roles?: string }} options
 */
function protectedResource(options) {
  const name = strings.dasherize(options.name);
  if (!NAME.test(name)) {
    throw new Error(`invalid resource name "${options.name}": use lower-case letters, digits and dashes`);
  }
  const scope = options.scope || `${name}:read`;
  const roles = (options.roles || 'user,admin')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  return chain([
    externalSchematic('@nestjs/schematics', 'module', { name, sourceRoot: 'src', language: 'ts' }),
    mergeWith(
      apply(url('./files'), [template({ ...strings, name, scope, roles }), renameTemplateFiles()]),
      MergeStrategy.Overwrite,
    ),
  ]);
}

module.exports = { protectedResource };
