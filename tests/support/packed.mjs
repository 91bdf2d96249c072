// Packs the repository with `npm pack` and installs the tarball into a fresh project, as a user
// would; returns that project's directory and the package loaded from it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './server.mjs';

export function installPacked() {
  const project = mkdtempSync(join(tmpdir(), 'flotilla-consumer-'));
  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', project], { cwd: repoRoot, encoding: 'utf8' })
    .trim().split('\n').pop();
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', join(project, packed)], { cwd: project });
  return { project, flotilla: createRequire(join(project, 'package.json'))('flotilla') };
}
