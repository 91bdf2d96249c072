// Transport faults through a loopback proxy: lost responses, 503 with Retry-After, resets,
// slow answers, aborts. No duplicate instance, the right number of attempts, no leaked handles.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../support/server.mjs';
import { startFaultProxy } from '../support/fault-proxy.mjs';
import { installPacked } from '../support/packed.mjs';

let server;
let proxy;
let F;
let fleet;

before(async () => {
  server = await startServer();
  proxy = await startFaultProxy(server.baseUrl);
  ({ flotilla: F } = installPacked());
  fleet = new F.Fleet({ apiKey: server.apiKey, baseUrl: proxy.url });
});
after(async () => {
  await proxy?.close();
  await server?.stop();
});
beforeEach(() => proxy.clear());

const attempts = (method, prefix) => proxy.log.filter((l) => l.method === method && l.path.startsWith(prefix));

test('a create whose response is lost is retried with the same request id and makes one instance', async () => {
  proxy.inject({ method: 'POST', path: '/v1/env/instances', kind: 'drop-after-commit' });
  const env = await fleet.make({ envKey: 'helpdesk', runId: 'lost-response' });
  const creates = attempts('POST', '/v1/env/instances');
  assert.equal(creates.length, 2);
  assert.equal(creates[0].requestId, creates[1].requestId);
  assert.equal(env.status, 'running');
  const listed = await fleet.listInstances({ runId: 'lost-response' });
  assert.deepEqual(listed.map((i) => i.instanceId), [env.instanceId], 'never a second instance');
  await env.close();
});

test('503 with Retry-After is retried after the wait the server asked for', async () => {
  proxy.inject({ method: 'GET', path: '/v1/account', kind: 'status', status: 503, retryAfter: 1, count: 2 });
  const started = Date.now();
  const account = await fleet.account();
  assert.equal(account.teamId, 'team_local');
  assert.equal(attempts('GET', '/v1/account').length, 3);
  assert.ok(Date.now() - started >= 1900, 'waited about 1 s twice');
});

test('retries stop after maxRetries and surface the last error', async () => {
  const twice = new F.Fleet({ apiKey: server.apiKey, baseUrl: proxy.url, maxRetries: 2 });
  proxy.inject({ method: 'GET', path: '/v1/account', kind: 'status', status: 502, retryAfter: 0, count: 5 });
  await assert.rejects(twice.account(), (e) => e instanceof F.ServerError && e.status === 502 && e.retryable === true);
  assert.equal(attempts('GET', '/v1/account').length, 3);
});

test('404 and PUT are never retried', async () => {
  await assert.rejects(fleet.getTask('missing-task'), F.NotFoundError);
  assert.equal(attempts('GET', '/v1/tasks/missing-task').length, 1);
  proxy.inject({ method: 'PUT', path: '/v1/tasks/', kind: 'status', status: 503, retryAfter: 0 });
  await assert.rejects(fleet.updateTask('helpdesk-count-open', { prompt: 'x' }), F.ServerError);
  assert.equal(attempts('PUT', '/v1/tasks/').length, 1);
});

test('429 becomes a RateLimitError after the retries', async () => {
  const once = new F.Fleet({ apiKey: server.apiKey, baseUrl: proxy.url, maxRetries: 1 });
  proxy.inject({ method: 'GET', path: '/v1/regions', kind: 'status', status: 429, retryAfter: 0, count: 2 });
  await assert.rejects(once.listRegions(), (e) => e instanceof F.RateLimitError && e.code === 'rate_limited');
});

test('a reset connection is retried; a refused one is a ConnectionError', async () => {
  proxy.inject({ method: 'GET', path: '/v1/env/', kind: 'reset' });
  assert.equal((await fleet.listEnvs())[0].envKey, 'helpdesk');
  assert.equal(attempts('GET', '/v1/env/').length, 2);
  const nowhere = new F.Fleet({ apiKey: 'k-123456', baseUrl: 'http://127.0.0.1:9', maxRetries: 0 });
  await assert.rejects(nowhere.account(), (e) => e instanceof F.ConnectionError && e.retryable && /127\.0\.0\.1:9/.test(e.message));
});

test('a slow answer times out per attempt and is retried', async () => {
  const quick = new F.Fleet({ apiKey: server.apiKey, baseUrl: proxy.url, maxRetries: 1, timeoutMs: 300 });
  proxy.inject({ method: 'GET', path: '/v1/account', kind: 'delay', ms: 1500 });
  assert.equal((await quick.account()).teamId, 'team_local');
  proxy.inject({ method: 'GET', path: '/v1/account', kind: 'delay', ms: 1500, count: 2 });
  await assert.rejects(quick.account(), (e) => e instanceof F.TimeoutError && e.code === 'timeout');
});

test("an AbortSignal aborts an in-flight create; the caller's abort is never retried", async () => {
  proxy.inject({ method: 'POST', path: '/v1/env/instances', kind: 'delay', ms: 2000 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 200);
  await assert.rejects(fleet.make({ envKey: 'helpdesk', runId: 'aborted' }, { signal: controller.signal }),
    (e) => e instanceof F.AbortError && e.code === 'aborted' && e.retryable === false);
  assert.equal(attempts('POST', '/v1/env/instances').length, 1);
  await assert.rejects(fleet.account({ signal: AbortSignal.abort() }), F.AbortError);
  assert.equal(attempts('GET', '/v1/account').length, 0, 'an already-aborted signal sends nothing');
  // The delayed create still reaches the server; clean it up.
  await new Promise((r) => setTimeout(r, 2200));
  await fleet.closeAll({ runId: 'aborted' });
});

test("retries and polls leave no listener on the caller's AbortSignal", async () => {
  // Counts the abort listeners the SDK adds to and removes from one long-lived signal.
  const controller = new AbortController();
  const { signal } = controller;
  let live = 0;
  const [add, remove] = [signal.addEventListener.bind(signal), signal.removeEventListener.bind(signal)];
  signal.addEventListener = (type, fn, opts) => { live += 1; add(type, fn, opts); };
  signal.removeEventListener = (type, fn, opts) => { live -= 1; remove(type, fn, opts); };
  const patient = new F.Fleet({ apiKey: server.apiKey, baseUrl: proxy.url, maxRetries: 10 });
  proxy.inject({ method: 'GET', path: '/v1/account', kind: 'status', status: 503, retryAfter: 0, count: 6 });
  assert.equal((await patient.account({ signal })).teamId, 'team_local');
  assert.equal(attempts('GET', '/v1/account').length, 7);
  const env = await patient.make({ envKey: 'helpdesk', runId: 'listeners' });
  await env.waitUntilRunning({ signal, intervalMs: 50 });
  await env.close();
  assert.equal(live, 0, 'every listener the SDK added was removed');
});

test('a runner write is never replayed after a lost answer; a read is', async () => {
  // The runner cannot de-duplicate a write, so `db.exec` gets one attempt; `db.query` is retried.
  let failNext = 0;
  let attemptsToQuery = 0;
  const flaky = (url, init) => {
    if (String(url).endsWith('/query')) {
      attemptsToQuery += 1;
      if (failNext > 0) {
        failNext -= 1;
        return Promise.reject(new TypeError('fetch failed'));
      }
    }
    return fetch(url, init);
  };
  const client = new F.Fleet({ apiKey: server.apiKey, baseUrl: server.baseUrl, fetch: flaky });
  const env = await client.make({ envKey: 'helpdesk', runId: 'runner-writes' });
  try {
    const db = env.db();
    failNext = 1;
    await assert.rejects(db.exec("UPDATE tickets SET status = 'closed' WHERE id = ?", [1]), F.ConnectionError);
    assert.equal(attemptsToQuery, 1, 'the write was sent once');
    failNext = 1;
    attemptsToQuery = 0;
    assert.deepEqual((await db.query('SELECT COUNT(*) FROM tickets WHERE id = ?', [1])).rows, [[1]]);
    assert.equal(attemptsToQuery, 2, 'the read was retried');
  } finally {
    await env.close();
  }
});
