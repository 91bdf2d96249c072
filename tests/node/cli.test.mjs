// The `flotilla` command from a fresh project that installed the packed tarball: `npx flotilla
// eval` records jobs, `npx flotilla compare` gives the right verdict and exit status for a
// better, a worse and an equal candidate, and bad input is one line and a non-zero exit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, repoRoot } from '../support/server.mjs';
import { installPacked } from '../support/packed.mjs';

let server;
let project;
const teams = [
  { key: 'flt_cli_a', team_id: 'team_a', team_name: 'A', profile_id: 'pa', profile_name: 'a', instance_limit: 20 },
  { key: 'flt_cli_b', team_id: 'team_b', team_name: 'B', profile_id: 'pb', profile_name: 'b', instance_limit: 20 },
];

before(async () => {
  server = await startServer({ keys: teams });
  ({ project } = installPacked());
  cpSync(join(repoRoot, 'examples', 'agents'), join(project, 'agents'), { recursive: true });
  writeFileSync(join(project, 'agents', 'no-default.mjs'), 'export const agent = () => 1;\n');
});
after(async () => server?.stop());

function flotilla(args, key = 'flt_cli_a') {
  const run = spawnSync('npx', ['--no-install', 'flotilla', ...args], {
    cwd: project, encoding: 'utf8', timeout: 300_000,
    env: { ...process.env, FLEET_BASE_URL: server.baseUrl, FLEET_API_KEY: key },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const TASKS = 'helpdesk-close-printer,helpdesk-assign-vpn,helpdesk-count-open,helpdesk-delete-spam,helpdesk-escalate-globex,helpdesk-create-invoice-ticket,helpdesk-resolve-with-comment,helpdesk-update-initech-email';

function evaluate(agent, name) {
  const run = flotilla(['eval', '--agent', `./agents/${agent}.mjs`, '--tasks', TASKS, '--job-name', name, '--json']);
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

test('eval then compare: better, worse and equal candidates, as a CI gate', () => {
  const sloppy = evaluate('sloppy', 'sloppy');
  const scripted = evaluate('scripted', 'scripted');
  const again = evaluate('scripted', 'scripted again');
  assert.equal(sloppy.passRate, 3 / 8);
  assert.equal(scripted.passRate, 1);

  const better = flotilla(['compare', sloppy.jobId, scripted.jobId, '--json']);
  assert.equal(better.status, 0, better.stderr);
  const b = JSON.parse(better.stdout);
  assert.equal(b.verdict, 'better');
  assert.equal(b.tasks.filter((t) => t.flipped === 'fail->pass').length, 5);

  const worse = flotilla(['compare', scripted.jobId, sloppy.jobId]);
  assert.equal(worse.status, 1, 'a worse candidate fails the gate');
  assert.ok(worse.stdout.includes(`view: ${server.baseUrl}/#compare/${scripted.jobId}/${sloppy.jobId}`), worse.stdout);
  assert.match(worse.stdout, /verdict: worse/);
  assert.match(worse.stdout, /pass->fail/);

  const equal = flotilla(['compare', scripted.jobId, again.jobId, '--json']);
  assert.equal(equal.status, 0);
  assert.deepEqual([JSON.parse(equal.stdout).verdict, JSON.parse(equal.stdout).change], ['inconclusive', 0]);
  const human = flotilla(['compare', scripted.jobId, again.jobId]);
  assert.match(human.stdout, /95% interval \[0\.0, 0\.0\]/);
  assert.match(human.stdout, /verdict: inconclusive/);

  const gate = flotilla(['compare', scripted.jobId, sloppy.jobId, '--max-drop', '0.9']);
  assert.equal(gate.status, 1, 'worse fails the gate whatever --max-drop says');
});

test('bad input: one line, a non-zero exit, no stack trace', () => {
  const cases = [
    [['compare', 'job_nope', 'job_nope2'], /NotFoundError: Job 'job_nope' not found/],
    [['compare', 'job_x'], /compare needs two job ids/],
    [['compare', 'a', 'b', '--max-drop'], /argument missing/],
    [['eval', '--agent', './agents/no-default.mjs', '--env', 'helpdesk'], /has no default export function/],
    [['eval', '--agent', './agents/missing.mjs', '--env', 'helpdesk'], /cannot load the agent module/],
    [['eval', '--env', 'helpdesk'], /eval needs --agent/],
    [['eval', '--agent', './agents/scripted.mjs', '--env', 'helpdesk', '--concurrency', 'lots'], /--concurrency must be a whole number/],
    [['launch'], /unknown command "launch"/],
  ];
  for (const [args, pattern] of cases) {
    const run = flotilla(args);
    assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, pattern);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  }
});

test("another team's job is not found", () => {
  const mine = evaluate('scripted', 'private');
  const run = flotilla(['compare', mine.jobId, mine.jobId], 'flt_cli_b');
  assert.equal(run.status, 2);
  assert.match(run.stderr, /NotFoundError/);
});
