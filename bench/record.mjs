// Writes one benchmark's section of bench/results.md, between its markers, keeping the others.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export function recordSection(repoRoot, name, markdown) {
  const file = join(repoRoot, 'bench', 'results.md');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n\nFigures, not assertions: each is printed next to a baseline measured in the same run.\n';
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
}
