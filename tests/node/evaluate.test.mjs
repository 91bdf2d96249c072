// evaluate(): the harness records a job whatever the agents do (pass, throw, hang, get aborted),
// and leaves no instance running and no session open.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../support/server.mjs';
import { installPacked } from '../support/packed.mjs';

let server;
let F;
let fleet;

before(async () => {
  server = await startServer();
  ({ flotilla: F } = installPacked());
  fleet = new F.Fleet({ apiKey: server.apiKey, baseUrl: server.baseUrl });
});
after(async () => server?.stop());

const running = async () => (await fleet.listInstances({ status: 'running' })).length;

/** Every attempt has its session in the job, and every session ended (completed or failed). */
async function allEnded(result) {
  const record = await fleet.listJobSessions(result.jobId);
  const sessions = record.tasks.flatMap((t) => t.sessions);
  assert.equal(sessions.length, result.results.length, 'every attempt is a session of the job');
  return sessions.every((s) => s.status === 'completed' || s.status === 'failed');
}

test('a scripted agent passes, logs its steps, and every session carries its verification', async () => {
  const progress = [];
  const agent = async ({ task, env, session, signal }) => {
    assert.ok(signal instanceof AbortSignal);
    const history = [{ role: 'user', content: task.prompt }];
    await session.log(history, { role: 'assistant', content: 'closing ticket 2' });
    if (task.key === 'helpdesk-close-printer') await env.db().exec("UPDATE tickets SET status = 'closed' WHERE id = 2");
    return undefined;
  };
  const result = await F.evaluate({ fleet, agent, taskKeys: ['helpdesk-close-printer', 'helpdesk-assign-vpn'],
    model: 'scripted', jobName: 'eval-node', concurrency: 2, onProgress: (p) => progress.push(p) });
  assert.equal(result.passRate, 0.5);
  assert.deepEqual(result.results.map((r) => [r.taskKey, r.passed, r.score, r.error]),
    [['helpdesk-assign-vpn', false, 0, null], ['helpdesk-close-printer', true, 1, null]]);
  assert.equal(progress.length, 2);
  assert.deepEqual(progress.map((p) => p.done), [1, 2]);
  const record = await fleet.listJobSessions(result.jobId);
  assert.equal(record.totalSessions, 2);
  assert.ok(record.tasks.every((t) => t.sessions[0].verifierExecution !== null));
  assert.equal((await fleet.getJob(result.jobId)).name, 'eval-node');
  assert.equal(await running(), 0);
});

test('an agent that throws or hangs is recorded as failed; the others go on; nothing stays running', async () => {
  const agent = async ({ task, signal }) => {
    if (task.key === 'helpdesk-assign-vpn') throw new Error('model unavailable');
    if (task.key === 'helpdesk-count-open') return new Promise(() => {}); // hangs, ignores its signal
    return '4';
  };
  const result = await fleet.evaluate({ agent, taskKeys: ['helpdesk-assign-vpn', 'helpdesk-count-open', 'helpdesk-close-printer'],
    taskTimeoutMs: 1500, passK: 1 });
  const byKey = Object.fromEntries(result.results.map((r) => [r.taskKey, r]));
  assert.match(byKey['helpdesk-assign-vpn'].error, /the agent threw: model unavailable/);
  assert.match(byKey['helpdesk-count-open'].error, /timed out after 1500 ms/);
  assert.equal(byKey['helpdesk-close-printer'].error, null);
  assert.equal(byKey['helpdesk-count-open'].score, null);
  assert.ok(await allEnded(result));
  assert.equal(await running(), 0);
});

test('aborting mid-run stops new work, fails the open sessions and closes every env', async () => {
  const controller = new AbortController();
  let started = 0;
  const agent = ({ signal }) => {
    started += 1;
    if (started === 2) setTimeout(() => controller.abort(), 300);
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve(undefined)));
  };
  const keys = ['helpdesk-close-printer', 'helpdesk-assign-vpn', 'helpdesk-count-open', 'helpdesk-delete-spam'];
  const result = await fleet.evaluate({ agent, taskKeys: keys, concurrency: 2, signal: controller.signal, taskTimeoutMs: 60000 });
  assert.equal(result.aborted, true);
  assert.equal(result.results.length, 2, 'no attempt starts after the abort');
  assert.ok(result.results.every((r) => /aborted/.test(r.error)));
  assert.ok(await allEnded(result));
  assert.equal(await running(), 0);
});

test('bad evaluate options are ValidationErrors', async () => {
  await assert.rejects(fleet.evaluate({ envKey: 'helpdesk' }), (e) => e instanceof F.ValidationError && /agent/.test(e.message));
  await assert.rejects(fleet.evaluate({ agent: () => 1 }), (e) => e instanceof F.ValidationError && /which tasks/.test(e.message));
  await assert.rejects(fleet.evaluate({ agent: () => 1, envKey: 'helpdesk', concurency: 2 }), /unknown option `concurency`/);
  await assert.rejects(fleet.evaluate({ agent: () => 1, taskKeys: ['no-such-task'] }), /no task matched/);
  await assert.rejects(fleet.evaluate({ agent: () => 1, taskKeys: ['helpdesk-count-open', 'typo'] }), /no such task: typo/);
  await assert.rejects(fleet.evaluate({ agent: () => 1, taskKeys: [] }), /list of tasks is empty/);
});
