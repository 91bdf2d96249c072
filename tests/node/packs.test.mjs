// Issue 13's client surface, through the packed package against a real flotilla-server:
// projects, task packs (importTasks / exportTasks and `flotilla tasks`), MCP client configs,
// reset and heartbeat options.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, repoRoot } from '../support/server.mjs';
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

const flotilla = (args, input) => spawnSync(process.execPath, [join(repoRoot, 'js/cli.mjs'), ...args], {
  env: { ...process.env, FLEET_BASE_URL: server.baseUrl, FLEET_API_KEY: server.apiKey }, encoding: 'utf8', input,
});

async function rejects(promise, name, pattern) {
  const error = await promise.then(() => null, (e) => e);
  assert.ok(error, `expected a ${name}`);
  assert.equal(error.name, name, error.message);
  assert.match(error.message, pattern);
}

test('projects: the built-in tasks are a project; an import files its tasks under another', async () => {
  const before = await fleet.listProjects();
  const demo = before.find((p) => p.projectKey === 'demo');
  assert.equal(demo.taskModality, 'tool_use');
  assert.match(demo.createdAt, /^\d{4}-\d\d-\d\dT/);
  assert.equal(demo.taskCount, 8);
  const [task] = await fleet.exportTasks({ keys: ['helpdesk-assign-vpn'] });
  await fleet.importTasks([{ ...task, key: 'mine-1' }], { projectKey: 'mine' });
  const after = await fleet.listProjects();
  assert.deepEqual(after.map((p) => p.projectKey).sort(), [...before.map((p) => p.projectKey), 'mine'].sort());
  assert.equal(after.find((p) => p.projectKey === "mine").taskCount, 1);
  assert.deepEqual((await fleet.loadTasks({ projectKey: 'mine' })).map((t) => t.key), ['mine-1']);
});

test('a pack exported, changed and imported again comes back field for field', async () => {
  const pack = await fleet.exportTasks({ envKey: 'helpdesk', projectKey: 'demo' });
  assert.equal(pack.length, 8);
  assert.deepEqual(Object.keys(pack[0]), ['key', 'prompt', 'env_id', 'env_variables', 'created_at', 'version', 'data_id',
    'data_version', 'verifier_func', 'verifier_id', 'verifier_sha', 'metadata', 'output_json_schema']);
  assert.match(pack[0].verifier_func, /def verify/);
  assert.match(pack[0].verifier_sha, /^[0-9a-f]{64}$/);
  const copy = pack.map((t) => ({ ...t, key: `copy-${t.key}`, metadata: { ...t.metadata, exact: 0.1 + 0.2 } }));
  const imported = await fleet.importTasks(JSON.stringify({ tasks: copy }), { projectKey: 'copies' });
  assert.equal(imported.length, 8);
  assert.ok(imported[0] instanceof F.Task);
  const back = await fleet.exportTasks({ projectKey: 'copies' });
  assert.deepEqual(back.sort((a, b) => a.key.localeCompare(b.key)), copy.sort((a, b) => a.key.localeCompare(b.key)));
  assert.equal(back[0].metadata.exact, 0.1 + 0.2, 'numbers stay exact');
});

test('a bad pack names the task and the field, and imports nothing', async () => {
  const count = async () => (await fleet.loadTasks()).length;
  const n = await count();
  const good = { key: 'bad-pack-1', prompt: 'p', env_id: 'helpdesk', verifier_func: 'def verify(env): return 1.0' };
  await rejects(fleet.importTasks([good, { ...good, key: 'bad-pack-2', prompt: 5 }]), 'ValidationError',
    /task 2: `prompt`: invalid type: integer `5`, expected a string/);
  await rejects(fleet.importTasks([good, { ...good, key: 'bad-pack-2', verifier_func: undefined }]), 'ValidationError',
    /task 2 \(bad-pack-2\): `verifier_func`/);
  await rejects(fleet.importTasks([good, { ...good, key: 'bad-pack-2', env_id: 'nowhere' }]), 'ValidationError',
    /task 2 \(bad-pack-2\): `env_id`: no environment `nowhere` here/);
  await rejects(fleet.importTasks([good, good]), 'ValidationError', /task 2 \(bad-pack-1\): the key is also task 1's/);
  await rejects(fleet.importTasks('[{"key": '), 'ValidationError', /not valid JSON: .*JSON/);
  await rejects(fleet.importTasks({ nope: [] }), 'ValidationError', /expected a JSON array of tasks/);
  await rejects(fleet.importTasks([good], { projectKey: 'p', project: 'typo' }), 'ValidationError', /unknown option `project`/);
  assert.equal(await count(), n, 'nothing was imported');
});

test('flotilla tasks export | import moves a pack through a file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-pack-'));
  const file = join(dir, 'helpdesk.json');
  const exported = flotilla(['tasks', 'export', file, '--env', 'helpdesk', '--project', 'demo']);
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(exported.stdout, /exported 8 tasks to/);
  const pack = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify(pack.map((t) => ({ ...t, key: `cli-${t.key}` }))));
  const imported = flotilla(['tasks', 'import', file, '--project', 'cli']);
  assert.equal(imported.status, 0, imported.stderr);
  assert.match(imported.stdout, /imported 8 tasks into project cli/);
  assert.equal((await fleet.loadTasks({ projectKey: 'cli' })).length, 8);

  writeFileSync(file, JSON.stringify([{ key: 'x', prompt: 'p', env_id: 'helpdesk' }]));
  const bad = flotilla(['tasks', 'import', file]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /ValidationError: task file: task 1 \(x\): `verifier_func`/);
  assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/, 'no stack trace');
  const usage = flotilla(['tasks', 'frobnicate', file]);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /tasks needs export FILE or import FILE/);
  const stdout = flotilla(['tasks', 'export', '-', '--project', 'cli']);
  assert.equal(JSON.parse(stdout.stdout).length, 8);
});

test('env.mcp: the endpoint, the configs model SDKs take, and its tools', async () => {
  const env = await fleet.make({ envKey: 'helpdesk', autoHeartbeat: false });
  try {
    assert.ok(env.mcp instanceof F.Mcp);
    assert.equal(env.mcp.url, env.urls.mcp);
    assert.match(env.mcp.url, /\/i\/[^/]+\/mcp$/);
    assert.deepEqual(env.mcp.openai(), { type: 'mcp', server_label: 'helpdesk', server_url: env.mcp.url, require_approval: 'never' });
    assert.deepEqual(env.mcp.anthropic(), { type: 'url', url: env.mcp.url, name: 'helpdesk' });
    const tools = await env.mcp.listTools();
    const names = tools.map((t) => t.name);
    for (const name of ['list_tickets', 'update_ticket', 'add_comment']) assert.ok(names.includes(name), names.join());
    assert.equal(tools.find((t) => t.name === 'get_ticket').inputSchema.required[0], 'id');
    await rejects(env.mcp.listTools({ signal: AbortSignal.abort() }), 'AbortError', /./);
  } finally {
    await env.close();
  }
});

test('reset takes seed and timestamp; heartbeat takes a region; bad ones are refused before sending', async () => {
  const env = await fleet.make({ envKey: 'helpdesk', autoHeartbeat: false, maxWaitSeconds: 5000 });
  try {
    const plain = await env.reset();
    assert.equal(plain.success, true);
    const seeded = await env.reset({ seed: 42, timestamp: 1767225600 });
    assert.match(seeded.message, /seed 42 accepted/);
    assert.match(seeded.message, /timestamp 1767225600 accepted/);
    await rejects(env.reset({ seed: 1.5 }), 'ValidationError', /`seed`/);
    await rejects(env.reset({ sed: 1 }), 'ValidationError', /unknown option `sed`/);
    assert.equal((await env.reset({ seed: 7, signal: new AbortController().signal, timeoutMs: 5000 })).success, true);

    const beat = await fleet.heartbeat(env.instanceId, { region: 'local', timeoutMs: 5000 });
    assert.equal(beat.instanceId, env.instanceId);
    await rejects(fleet.heartbeat(env.instanceId, { region: ' ' }), 'ValidationError', /`region`/);
    await rejects(fleet.heartbeat(env.instanceId, { regoin: 'local' }), 'ValidationError', /unknown option `regoin`/);
  } finally {
    await env.close();
  }
});

test('the worst caller: deep nesting, prototype keys and huge files are refused, and the SDK stays usable', async () => {
  let deep = { leaf: 1 };
  for (let i = 0; i < 3000; i++) deep = { deep };
  const task = { key: 'deep', prompt: 'p', env_id: 'helpdesk', verifier_func: 'def verify(env): return 1.0', metadata: deep };
  await rejects(fleet.importTasks([task]), 'ValidationError', /nests deeper than 128 levels/);
  await rejects(fleet.importTask({ key: 'deep', prompt: 'p', envId: 'helpdesk', verifierFunc: 'x', metadata: deep }),
    'ValidationError', /nests deeper than 128 levels/);
  await rejects(fleet.importTasks(JSON.stringify([task])), 'ValidationError', /task file nests deeper than 128 levels/);
  const env = await fleet.make({ envKey: 'helpdesk', autoHeartbeat: false });
  try {
    await rejects(env.reset(JSON.parse('{"__proto__": {"seed": 1}}')), 'ValidationError', /unknown option `__proto__`/);
    assert.equal((await fleet.account()).teamId, 'team_local', 'the module still works');
  } finally {
    await env.close();
  }
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-huge-'));
  const huge = join(dir, 'huge.json');
  execFileSync('truncate', ['-s', '300M', huge]);
  const read = flotilla(['tasks', 'import', huge]);
  assert.equal(read.status, 2);
  assert.match(read.stderr, /larger than 256 MiB/);
});
