// Every SDK method, through the packed package, against a real flotilla-server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../support/server.mjs';
import { installPacked } from '../support/packed.mjs';

let server;
let F; // the installed package
let fleet;

before(async () => {
  server = await startServer();
  ({ flotilla: F } = installPacked());
  fleet = new F.Fleet({ apiKey: server.apiKey, baseUrl: server.baseUrl });
});
after(async () => server?.stop());

test('account, catalog and regions', async () => {
  const account = await fleet.account();
  assert.equal(account.teamId, 'team_local');
  assert.equal(typeof account.instanceLimit, 'number');
  const envs = await fleet.listEnvs();
  assert.equal(envs[0].envKey, 'helpdesk');
  assert.equal((await fleet.environment('helpdesk')).defaultVersion, 'v1');
  assert.ok((await fleet.listRegions()).includes('local'));
});

test('tasks: load with filters, get, import, update', async () => {
  const all = await fleet.loadTasks();
  assert.ok(all.length >= 8);
  assert.ok(all[0] instanceof F.Task);
  const [one] = await fleet.loadTasks({ keys: ['helpdesk-assign-vpn'] });
  assert.equal(one.key, 'helpdesk-assign-vpn');
  assert.equal(one.envKey, 'helpdesk:v1');
  assert.equal(one.dataKey, 'support:v1');
  assert.match(one.verifierFunc, /def verify/);
  assert.equal((await fleet.loadTasks({ version: 'v9' })).length, 0, 'version filters locally');
  assert.equal((await fleet.getTask('helpdesk-delete-spam')).prompt.includes('spam'), true);

  const imported = await fleet.importTask({
    key: 'node-imported', prompt: 'Say hi', envId: 'helpdesk', verifierFunc: 'def verify(env, final_answer=None):\n    return 1.0 if final_answer == "hi" else 0.0\n',
    metadata: { difficulty: 'trivial' },
  }, { projectKey: 'node-tests' });
  assert.equal(imported.key, 'node-imported');
  const updated = await fleet.updateTask('node-imported', { prompt: 'Say hi!' });
  assert.equal(updated.prompt, 'Say hi!');
  assert.deepEqual((await fleet.loadTasks({ projectKey: 'node-tests' })).map((t) => t.key), ['node-imported']);
  assert.equal(JSON.parse(JSON.stringify(updated)).metadata.difficulty, 'trivial', 'toJSON gives the plain task');
});

test('an env: make, state, db, reset, diff, verify, close', async () => {
  const [task] = await fleet.loadTasks({ keys: ['helpdesk-resolve-with-comment'] });
  const env = await task.makeEnv({ runId: 'node-env', ttlSeconds: 600 });
  try {
    assert.ok(env instanceof F.Env);
    assert.equal(env.status, 'running');
    assert.equal(env.envKey, 'helpdesk');
    assert.equal(env.runId, 'node-env');
    assert.ok(env.urls.mcp.endsWith('/mcp'));
    assert.ok(env.urls.manager.api.endsWith('/api/v1/env'));
    // An aborted first state call must not leave the env without its runner token.
    const aborted = new AbortController();
    aborted.abort();
    await assert.rejects(env.resources({ signal: aborted.signal }), F.AbortError);
    assert.deepEqual((await env.resources()).map((r) => r.name).sort(), ['current', 'seed']);
    assert.equal((await env.health()).status, 'healthy');
    const db = env.db();
    assert.equal(db.name, 'current');
    const open = await db.query('SELECT COUNT(*) AS n FROM tickets WHERE status = ?', ['open']);
    assert.deepEqual(open.rows, [[5]]);
    await assert.rejects(db.query('DELETE FROM tickets'), (e) => e instanceof F.FleetError && /Write refused/.test(e.message));
    assert.ok((await db.describe()).tables.some((t) => t.name === 'comments'));
    // Arguments of the wrong type are ValidationErrors, thrown (sync methods) or rejected.
    assert.throws(() => env.db(5), F.ValidationError);
    assert.equal(env.db(null).name, 'current');
    await assert.rejects(db.query(42), F.ValidationError);
    await assert.rejects(db.exec(undefined), F.ValidationError);
    assert.throws(() => env.on('beat', 'not a function'), F.ValidationError);
    assert.throws(() => env.on(7, () => {}), F.ValidationError);
    env.off(7, () => {}); // nothing to remove: no error

    assert.equal(await task.verify(env), 0, 'nothing done yet');
    await db.exec("UPDATE tickets SET status = 'resolved' WHERE id = ?", [2]);
    await db.exec('INSERT INTO comments (ticket_id, author, body, created_at) VALUES (2, ?, ?, ?)', ['agent', 'Replaced toner, please retry', '2026-11-22T00:00:00Z']);
    const detailed = await task.verifyDetailed(env);
    assert.equal(detailed.success, true);
    assert.equal(detailed.result, 1);
    assert.equal(typeof detailed.executionTimeMs, 'number');
    assert.equal(await fleet.verifyDetailed(task, env.instanceId).then((r) => r.result), 1, 'by instance id, bundle cached');

    const diff = await env.diff();
    assert.equal(diff.diff.tickets.modified_rows[0].row_id, 2);
    assert.equal(diff.diff.comments.added_rows.length, 1);
    assert.equal((await env.reset()).success, true);
    assert.deepEqual((await db.query('SELECT status FROM tickets WHERE id = 2')).rows, [['open']]);
    assert.equal((await env.refresh()).status, 'running');
  } finally {
    const closed = await env.close();
    assert.equal(closed.status, 'stopped');
  }
  assert.equal(env.status, 'stopped');
});

test('verify: final answers, failing verifiers and VerificationError', async () => {
  const [count] = await fleet.loadTasks({ keys: ['helpdesk-count-open'] });
  const env = await count.makeEnv();
  try {
    assert.equal(await count.verify(env, { finalAnswer: '5' }), 1);
    assert.equal(await count.verify(env, { finalAnswer: '4' }), 0);
    const broken = await fleet.importTask({ key: 'node-broken', prompt: 'p', envId: 'helpdesk',
      verifierFunc: "def verify(env, final_answer=None):\n    print('looking')\n    raise KeyError('ticket 99')\n" });
    const result = await broken.verifyDetailed(env);
    assert.equal(result.success, false);
    assert.equal(result.error.type, 'KeyError');
    assert.match(result.stdout, /looking/);
    await assert.rejects(broken.verify(env), (e) => e instanceof F.VerificationError && e.code === 'verification_failed' && /KeyError/.test(e.message));
  } finally {
    await env.close();
  }
});

test('numbers reach a verifier and come back exactly (each JS number is the same double in Python)', async () => {
  const numbers = await fleet.importTask({ key: 'node-numbers', prompt: 'p', envId: 'helpdesk',
    verifierFunc: [
      'def verify(env, final_answer=None):',
      '    a = final_answer',
      '    assert a["f"] == 0.1 + 0.2 and a["tiny"] == 5e-324 and a["neg"] == -0.5, a',
      // A JS number is a double: safe integers arrive as int, the rest as the very same double.
      '    assert a["big"] == 12345678901234567000.0 and isinstance(a["big"], float), a',
      '    assert a["ints"] == [0, -1, 2**53 + 2] and [type(i) for i in a["ints"]] == [int, int, float], a',
      '    return {"score": a["f"], "echo": a}',
      '',
    ].join('\n') });
  const answer = { f: 0.1 + 0.2, tiny: 5e-324, neg: -0.5, big: 12345678901234567000, ints: [0, -1, 2 ** 53 + 2] };
  const env = await numbers.makeEnv();
  try {
    assert.equal(await numbers.verify(env, { finalAnswer: answer }), 0.1 + 0.2);
    const detailed = await numbers.verifyDetailed(env, { finalAnswer: answer });
    assert.equal(detailed.success, true, JSON.stringify(detailed.error));
    assert.deepEqual(detailed.result.echo, answer);
  } finally {
    await env.close();
  }
});

test('instances, runs, closeAll and waitUntilRunning', async () => {
  const a = await fleet.make({ envKey: 'helpdesk', runId: 'node-run' });
  const b = await fleet.instance(a.instanceId);
  assert.equal(b.instanceId, a.instanceId);
  assert.equal((await b.waitUntilRunning({ timeoutMs: 5000 })).status, 'running');
  const listed = await fleet.listInstances({ runId: 'node-run', status: 'running' });
  assert.deepEqual(listed.map((i) => i.instanceId), [a.instanceId]);
  const [run] = (await fleet.listRuns({ status: 'all' })).filter((r) => r.runId === 'node-run');
  assert.equal(run.runningCount, 1);
  const closed = await fleet.closeAll({ runId: 'node-run' });
  assert.deepEqual(closed.map((i) => i.instanceId), [a.instanceId]);
  await assert.rejects(b.waitUntilRunning({ timeoutMs: 2000 }), (e) => e instanceof F.ConflictError && e.instanceId === a.instanceId);
  assert.equal((await fleet.listRuns({ status: 'inactive' })).some((r) => r.runId === 'node-run'), true);
});

test('await using closes the env', async () => {
  let id;
  {
    const env = await fleet.make({ envKey: 'helpdesk' });
    id = env.instanceId;
    await env[Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose')]();
  }
  assert.equal((await fleet.instance(id)).status, 'stopped');
});

test('every server error becomes its class, with code, status and requestId', async () => {
  const cases = [
    [() => new F.Fleet({ apiKey: 'wrong-key', baseUrl: server.baseUrl }).account(), F.AuthenticationError, 'authentication_error', 401],
    [() => fleet.getTask('no-such-task'), F.NotFoundError, 'not_found', 404],
    [() => fleet.make({ envKey: 'no-such-env' }), F.EnvironmentNotFoundError, 'environment_not_found', 400],
    [() => fleet.make({ envKey: 'helpdesk:9' }), F.VersionNotFoundError, 'version_not_found', 400],
    [() => fleet.make({ envKey: 'helpdesk', region: 'mars-1' }), F.RegionError, 'region_not_supported', 400],
    [() => fleet.make({ envKey: 'helpdesk', dataKey: 'nope' }), F.BadRequestError, 'bad_request', 400],
    [() => fleet.instance('inst_missing'), F.NotFoundError, 'not_found', 404],
  ];
  for (const [call, cls, code, status] of cases) {
    await assert.rejects(call(), (e) => {
      assert.ok(e instanceof cls, `${e.name} is not ${cls.name}: ${e.message}`);
      assert.ok(e instanceof F.APIError && e instanceof F.FleetError && e instanceof Error);
      assert.equal(e.name, cls.name);
      assert.equal(e.code, code);
      assert.equal(e.status, status);
      assert.match(e.requestId, /^[0-9a-f-]{36}$/);
      assert.equal(e.retryable, false);
      return true;
    });
  }
  await assert.rejects(fleet.make({ envKey: 'helpdesk:9' }), (e) => e.version === 'v9' && e.envKey === 'helpdesk');
});

test('the instance limit is an InstanceLimitError with the counts', async () => {
  const limited = await startServer({ keys: [{ key: 'flt_small', team_id: 'small', team_name: 'Small', profile_id: 'p', profile_name: 'p', instance_limit: 1 }] });
  try {
    const small = new F.Fleet({ apiKey: 'flt_small', baseUrl: limited.baseUrl });
    const env = await small.make({ envKey: 'helpdesk' });
    await assert.rejects(small.make({ envKey: 'helpdesk' }), (e) =>
      e instanceof F.InstanceLimitError && e instanceof F.PermissionError && e.runningInstances === 1 && e.instanceLimit === 1 && e.code === 'instance_limit_exceeded');
    await env.close();
  } finally {
    await limited.stop();
  }
});

test('bad arguments are ValidationErrors and send nothing', async () => {
  let sent = 0;
  const counting = new F.Fleet({ apiKey: 'k-123456', baseUrl: server.baseUrl, fetch: (...a) => { sent += 1; return fetch(...a); } });
  const bad = [
    () => counting.make({ envKey: 'helpdesk', heartbeatInterval: 10 }),
    () => counting.make({ envKey: 'helpdesk', heartbeatInterval: 45.5 }),
    () => counting.make({ envKey: 'helpdesk', ttlSeconds: 0 }),
    () => counting.make({ envKey: '' }),
    () => counting.make({}),
    () => counting.make({ envKey: 'helpdesk', ttl: 5 }),
    () => counting.closeAll({}),
    () => counting.close(''),
    () => counting.instance(' '),
    () => counting.loadTasks({ keys: [''] }),
    () => counting.updateTask('k', {}),
    () => counting.account({ timeoutMs: -1 }),
    () => counting.account({ signal: 'nope' }),
    () => counting.loadTasks(() => ({ keys: ['a'] })),
    () => counting.getTask(123),
    () => counting.updateTask(undefined, { prompt: 'x' }),
    () => counting.environment({}),
    () => counting.instance(5),
    () => counting.close(null),
    () => counting.heartbeat(['i']),
    () => counting.make(Symbol('helpdesk')),
    () => counting.importTask({ key: 'k', prompt: 'p', envId: 'helpdesk', metadata: { n: 1n } }),
    () => counting.updateTask('k', { metadata: (() => { const o = {}; o.self = o; return o; })() }),
  ];
  for (const call of bad) {
    await assert.rejects(call(), (e) => e instanceof F.ValidationError && e.code === 'validation_error' && e.status === null);
  }
  assert.equal(sent, 0);
  assert.throws(() => new F.Fleet({ baseUrl: 'ftp://x', apiKey: 'k' }), F.ValidationError);
  assert.throws(() => new F.Fleet({ apiKey: 'k', retries: 2 }), /unknown option `retries` \(expected one of: apiKey, baseUrl/);
});

test('module functions use a default client', async () => {
  F.configure({ apiKey: server.apiKey, baseUrl: server.baseUrl });
  assert.equal((await F.account()).teamId, 'team_local');
  const [task] = await F.loadTasks({ keys: ['helpdesk-count-open'] });
  const env = await F.makeEnv({ envKey: 'helpdesk', runId: 'module-run' });
  assert.equal((await F.verifyDetailed(task, env, { finalAnswer: '5' })).result, 1);
  assert.equal((await F.listInstances({ runId: 'module-run' })).length, 1);
  assert.ok((await F.listRuns()).some((r) => r.runId === 'module-run'));
  assert.equal((await F.closeAll({ runId: 'module-run' })).length, 1);
});

test('several clients with different keys coexist', async () => {
  const other = await startServer();
  try {
    const a = new F.Fleet({ apiKey: server.apiKey, baseUrl: server.baseUrl });
    const b = new F.Fleet({ apiKey: other.apiKey, baseUrl: other.baseUrl });
    const bad = new F.Fleet({ apiKey: other.apiKey, baseUrl: server.baseUrl });
    const [x, y] = await Promise.all([a.account(), b.account()]);
    assert.equal(x.teamId, y.teamId);
    await assert.rejects(bad.account(), F.AuthenticationError);
  } finally {
    await other.stop();
  }
});

test('the API key never appears in errors or logs', async () => {
  const secret = 'flt_secret_value_123';
  const lines = [];
  const logger = { warn: (m, f) => lines.push(m + JSON.stringify(f)), info: (m, f) => lines.push(m + JSON.stringify(f)) };
  const c = new F.Fleet({ apiKey: secret, baseUrl: server.baseUrl, logger, maxRetries: 1 });
  const e = await c.account().catch((x) => x);
  const echo = new F.Fleet({ apiKey: secret, baseUrl: 'http://127.0.0.1:9', logger, maxRetries: 1 });
  const e2 = await echo.account().catch((x) => x);
  const everything = JSON.stringify([e.message, String(e), e.body, e2.message, e2.stack, lines]);
  assert.equal(everything.includes(secret), false);
  assert.ok(lines.length >= 1, 'the retry was logged');
});
