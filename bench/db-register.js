// Lets plain `node` run the TypeScript sources of the db benchmark (and the embedded server it
// starts) without a build or an extra dependency: .ts files are transpiled with the project's
// own TypeScript compiler, type checks skipped.
'use strict';
const fs = require('fs');
const ts = require('typescript');

if (!require.extensions['.ts']) {
  require.extensions['.ts'] = function (module, filename) {
    const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        experimentalDecorators: true,
        inlineSourceMap: true,
      },
    });
    module._compile(out.outputText, filename);
  };
}
