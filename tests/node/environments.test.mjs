// Both built-in environments, end to end through the packed package and a real flotilla-server
// (apps sandboxed as in production): every task of each passes with the scripted agent and fails
// with an agent that does nothing, and the sloppy baseline loses to the scripted candidate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, repoRoot } from '../support/server.mjs';
import { installPacked } from '../support/packed.mjs';

let server;
let fleet;
let scripted;
let sloppy;

before(async () => {
  server = await startServer();
  const { flotilla } = installPacked();
  fleet = new flotilla.Fleet({ apiKey: server.apiKey, baseUrl: server.baseUrl });
  scripted = (await import(`${repoRoot}/examples/agents/scripted.mjs`)).default;
  sloppy = (await import(`${repoRoot}/examples/agents/sloppy.mjs`)).default;
});
after(async () => server?.stop());

const doNothing = async () => undefined;

for (const envKey of ['helpdesk', 'shop']) {
  test(`${envKey}: every task passes with the scripted agent and fails with a do-nothing agent`, async () => {
    const tasks = await fleet.loadTasks({ envKey });
    assert.ok(tasks.length >= 8, `${tasks.length} tasks`);
    const good = await fleet.evaluate({ agent: scripted, envKey, model: 'scripted', concurrency: 2 });
    const failed = good.results.filter((r) => !r.passed).map((r) => `${r.taskKey}: ${r.error ?? r.score}`);
    assert.deepEqual(failed, [], 'the scripted agent passes every task');
    assert.equal(good.results.length, tasks.length);
    const idle = await fleet.evaluate({ agent: doNothing, envKey, model: 'idle', concurrency: 2 });
    const passed = idle.results.filter((r) => r.passed).map((r) => r.taskKey);
    assert.deepEqual(passed, [], 'doing nothing passes nothing');
    assert.ok(idle.results.every((r) => r.score === 0), 'every verifier ran and said 0');
  });
}

test('the shop has final-answer tasks: a wrong answer fails them, the right one passes', async () => {
  const [task] = await fleet.loadTasks({ keys: ['shop-order-total'] });
  const env = await task.makeEnv({ autoHeartbeat: false });
  try {
    assert.equal(await task.verify(env, { finalAnswer: '0' }), 0);
    const order = await (await fetch(`${env.urls.api}/orders/1004`)).json();
    assert.equal(await task.verify(env, { finalAnswer: (order.total_cents / 100).toFixed(2) }), 1);
  } finally {
    await env.close();
  }
});

test('across both environments the sloppy baseline is worse than the scripted candidate', async () => {
  const tasks = [...await fleet.loadTasks({ envKey: 'helpdesk' }), ...await fleet.loadTasks({ envKey: 'shop' })];
  const base = await fleet.evaluate({ agent: sloppy, tasks, model: 'sloppy', jobName: 'base' });
  const cand = await fleet.evaluate({ agent: scripted, tasks, model: 'scripted', jobName: 'cand' });
  assert.equal(cand.passRate, 1);
  const c = await fleet.compare(base.jobId, cand.jobId);
  assert.equal(c.verdict, 'better');
  const shopFlips = c.tasks.filter((t) => t.taskKey.startsWith('shop-') && t.flipped === 'fail->pass').map((t) => t.taskKey).sort();
  assert.deepEqual(shopFlips, ['shop-cancel-order', 'shop-order-total', 'shop-ship-paid-orders']);
});
