/**
 * JavaScript source that teaches a fresh Node context (worker thread, child process) to require
 * .ts files by transpiling them with the TypeScript compiler already in devDependencies. Only
 * used when running from sources (jest, scripts); production runs the compiled dist files.
 */
export function tsRegisterSource(): string {
  const tsPath = require.resolve('typescript');
  return `
const __ts = require(${JSON.stringify(tsPath)});
const __fs = require('fs');
require.extensions['.ts'] = function (module, filename) {
  const out = __ts.transpileModule(__fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: {
      module: __ts.ModuleKind.CommonJS,
      target: __ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      experimentalDecorators: true,
      inlineSourceMap: true,
    },
  });
  module._compile(out.outputText, filename);
};
`;
}

/** Source that registers the .ts loader, then runs `entry`. */
export function tsEntrySource(entry: string): string {
  return `${tsRegisterSource()}\nrequire(${JSON.stringify(entry)});\n`;
}

export function runningFromSources(): boolean {
  return __filename.endsWith('.ts');
}
