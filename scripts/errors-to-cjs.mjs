// Writes the CommonJS twin of js/errors.mjs, so that `require('flotilla')` and
// `import ... from 'flotilla'` share one source of error classes.
import { readFileSync, writeFileSync } from 'node:fs';

const [source, target] = process.argv.slice(2);
const text = readFileSync(source, 'utf8');
const names = [...text.matchAll(/^export (?:class|function|const) (\w+)/gm)].map((m) => m[1]);
const body = text.replace(/^export (class|function|const) /gm, '$1 ');
writeFileSync(
  target,
  `'use strict';\n// Generated from ${source} by scripts/errors-to-cjs.mjs. Do not edit.\n${body}\nmodule.exports = { ${names.join(', ')} };\n`,
);
