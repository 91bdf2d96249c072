// `npm start -- --once` runs the whole main job: setup, build, server, `flotilla eval` of a sloppy
// and of the scripted agent on every task of both built-in environments, `flotilla compare`, and
// exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/server.mjs';

test('npm start -- --once records two agents, compares them and prints the verdict', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-start-'));
  try {
    const run = spawnSync('npm', ['start', '--silent', '--', '--once'], {
      cwd: repoRoot, encoding: 'utf8', timeout: 600_000,
      env: { ...process.env, FLOTILLA_PORT: '0', FLOTILLA_DATA_DIR: dataDir, FLEET_API_KEY: '', FLEET_BASE_URL: '' },
    });
    assert.equal(run.status, 0, run.stderr.slice(-2000));
    assert.match(run.stdout, /11 \/ 19 passed/, 'the sloppy baseline');
    assert.match(run.stdout, /19 \/ 19 passed \(100\.0%\)/, 'the scripted candidate: every task of both environments verified');
    assert.match(run.stdout, /pass rate 57\.9% -> 100\.0%/);
    assert.match(run.stdout, /verdict: better/);
    // The links to the dashboard's pages of each job and of the comparison, ids in the URL.
    const jobs = [...run.stdout.matchAll(/^job (job_[0-9a-f]+)$/gm)].map((m) => m[1]);
    assert.equal(jobs.length, 2);
    const base = run.stdout.match(/listening on (http:\/\/\S+)/)[1];
    for (const job of jobs) assert.ok(run.stdout.includes(`view: ${base}/#job/${job}`), job);
    assert.ok(run.stdout.includes(`view: ${base}/#compare/${jobs[0]}/${jobs[1]}`));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
