// `npm start -- --once` runs the whole main job: setup, build, server, the evaluation of every
// demo task through examples/evaluate.mjs, and exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/server.mjs';

test('npm start -- --once evaluates every demo task and every one passes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-start-'));
  try {
    const run = spawnSync('npm', ['start', '--silent', '--', '--once'], {
      cwd: repoRoot, encoding: 'utf8', timeout: 600_000,
      env: { ...process.env, FLOTILLA_PORT: '0', FLOTILLA_DATA_DIR: dataDir, FLEET_API_KEY: '', FLEET_BASE_URL: '' },
    });
    assert.equal(run.status, 0, run.stderr.slice(-2000));
    const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    assert.ok(line, run.stdout.slice(-2000));
    const result = JSON.parse(line.slice('RESULT '.length));
    assert.equal(result.total, 8);
    assert.deepEqual(result.results.filter((r) => r.score !== 1), [], 'every demo task verified with score 1');
    assert.match(run.stdout, /8 \/ 8 tasks passed/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
