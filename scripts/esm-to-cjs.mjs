// Writes the CommonJS twin of an ES module of js/ (errors.mjs, install.mjs), so that
// `require('flotilla')` and `import ... from 'flotilla'` share one source. Only the
// `export class|function|const NAME` forms are used in those modules.
import { readFileSync, writeFileSync } from 'node:fs';

const [source, target] = process.argv.slice(2);
const text = readFileSync(source, 'utf8');
const names = [...text.matchAll(/^export (?:class|function|const) (\w+)/gm)].map((m) => m[1]);
const body = text.replace(/^export (class|function|const) /gm, '$1 ');
writeFileSync(
  target,
  `'use strict';\n// Generated from ${source} by scripts/esm-to-cjs.mjs. Do not edit.\n${body}\nmodule.exports = { ${names.join(', ')} };\n`,
);
