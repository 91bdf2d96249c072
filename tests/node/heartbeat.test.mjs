// The heartbeat loop on JS timers, against a real flotilla-server whose minimum interval is
// lowered to 1 s (the SDK itself accepts 30-3600 s for `make`, so these instances are created
// over raw HTTP and then attached with `fleet.instance(id)`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../support/server.mjs';
import { installPacked } from '../support/packed.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let server;
let F;
let project;
let fleet;

before(async () => {
  server = await startServer({ args: ['--min-heartbeat-interval', '1'] });
  ({ flotilla: F, project } = installPacked());
  fleet = new F.Fleet({ apiKey: server.apiKey, baseUrl: server.baseUrl });
});
after(async () => server?.stop());

async function rawCreate(base, key, interval, runId = 'hb') {
  const r = await fetch(`${base}/v1/env/instances`, {
    method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ env_key: 'helpdesk', heartbeat_interval: interval, run_id: runId, max_wait_seconds: 30 }),
  });
  return (await r.json()).instance_id;
}

test('the loop beats on the server interval and keeps the instance alive', async () => {
  const env = await fleet.instance(await rawCreate(server.baseUrl, server.apiKey, 1));
  const beats = [];
  env.on('beat', (b) => beats.push(b));
  assert.equal(env.heartbeatRunning, true, 'starts by itself');
  await sleep(4500);
  assert.ok(beats.length >= 3, `only ${beats.length} beats`);
  assert.ok(beats.every((b) => b.success && b.intervalSeconds === 1 && b.deadlineTimestamp * 1000 > Date.now() - 1000));
  assert.equal((await env.refresh()).status, 'running', 'alive after more than three intervals');
  env.stopHeartbeat();
  assert.equal(env.heartbeatRunning, false);
  await sleep(4500);
  assert.equal((await env.refresh()).status, 'stopped', 'without beats the server stops it');
});

test('autoHeartbeat: false opts out; startHeartbeat starts it', async () => {
  const env = await fleet.instance(await rawCreate(server.baseUrl, server.apiKey, 1), { autoHeartbeat: false });
  assert.equal(env.heartbeatRunning, false);
  env.startHeartbeat();
  assert.equal(env.heartbeatRunning, true);
  await sleep(3500);
  assert.equal((await env.refresh()).status, 'running');
  await env.close();
  assert.equal(env.heartbeatRunning, false, 'close stops the loop');
});

test('an instance closed elsewhere ends the loop with an expired event', async () => {
  const env = await fleet.instance(await rawCreate(server.baseUrl, server.apiKey, 1));
  const expired = new Promise((resolve) => env.on('expired', resolve));
  // Closed by someone else (raw HTTP: a `fleet.close` in this process would stop the loop itself).
  await fetch(`${server.baseUrl}/v1/env/instances/${env.instanceId}`, { method: 'DELETE', headers: { Authorization: `Bearer ${server.apiKey}` } });
  const error = await expired;
  assert.equal(error.status, 410);
  assert.equal(env.heartbeatRunning, false);
});

test('a server down for about one interval loses nothing: the env survives a restart', async () => {
  const own = await startServer({ args: ['--min-heartbeat-interval', '1'] });
  const ownPort = Number(new URL(own.baseUrl).port);
  const client = new F.Fleet({ apiKey: own.apiKey, baseUrl: own.baseUrl, maxRetries: 0 });
  const env = await client.instance(await rawCreate(own.baseUrl, own.apiKey, 2));
  const events = [];
  env.on('beat', () => events.push('beat'));
  env.on('error', () => events.push('error'));
  await sleep(2500);
  own.process.kill('SIGKILL');
  await new Promise((r) => own.process.once('exit', r));
  await sleep(2000); // one interval without a server
  const again = await startServer({ dataDir: own.dataDir, port: ownPort, args: ['--min-heartbeat-interval', '1'] });
  try {
    await sleep(4000);
    assert.ok(events.includes('error'), `beats failed during the outage: ${events}`);
    assert.equal(events.at(-1), 'beat', `beats resumed: ${events}`);
    assert.equal((await env.refresh()).status, 'running');
    await env.close();
  } finally {
    await again.stop();
  }
});

function runScript(name, source, env) {
  writeFileSync(join(project, name), source);
  return spawn(process.execPath, [name], { cwd: project, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

test('in Node the loop does not keep the process alive, unless keepProcessAlive', async () => {
  const script = (keep) => `
    const { Fleet } = require('flotilla');
    (async () => {
      const r = await fetch(process.env.BASE + '/v1/env/instances', { method: 'POST',
        headers: { Authorization: 'Bearer ' + process.env.KEY, 'Content-Type': 'application/json' },
        body: JSON.stringify({ env_key: 'helpdesk', heartbeat_interval: 1, max_wait_seconds: 30 }) });
      const { instance_id } = await r.json();
      const env = await new Fleet({ apiKey: process.env.KEY, baseUrl: process.env.BASE }).instance(instance_id, { keepProcessAlive: ${keep} });
      console.log(env.heartbeatRunning ? 'beating' : 'idle');
    })();`;
  const env = { BASE: server.baseUrl, KEY: server.apiKey };
  const free = runScript('unref.cjs', script(false), env);
  let out = '';
  free.stdout.on('data', (d) => { out += d; });
  const code = await Promise.race([new Promise((r) => free.once('exit', r)), sleep(8000).then(() => 'still running')]);
  assert.equal(out.trim(), 'beating');
  assert.equal(code, 0, 'the process exited by itself');

  const kept = runScript('keep.cjs', script(true), env);
  const exited = await Promise.race([new Promise((r) => kept.once('exit', () => r(true))), sleep(4000).then(() => false)]);
  kept.kill();
  assert.equal(exited, false, 'keepProcessAlive kept it running');
});

test('one armed timer serves many envs', async () => {
  const big = await startServer({ keys: [{ key: 'flt_many', team_id: 'many', team_name: 'Many', profile_id: 'p', profile_name: 'p', instance_limit: 100 }] });
  const child = runScript('many.cjs', `
    const { Fleet } = require('flotilla');
    (async () => {
      const fleet = new Fleet({ apiKey: process.env.KEY, baseUrl: process.env.BASE });
      const ids = await Promise.all(Array.from({ length: 40 }, async () => {
        const r = await fetch(process.env.BASE + '/v1/env/instances', { method: 'POST',
          headers: { Authorization: 'Bearer ' + process.env.KEY, 'Content-Type': 'application/json' },
          body: JSON.stringify({ env_key: 'helpdesk', heartbeat_interval: 30, run_id: 'many', max_wait_seconds: 30 }) });
        return (await r.json()).instance_id;
      }));
      const envs = await Promise.all(ids.map((id) => fleet.instance(id, { keepProcessAlive: true })));
      const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      console.log(JSON.stringify({ beating: envs.filter((e) => e.heartbeatRunning).length, timers }));
      await fleet.closeAll({ runId: 'many' });
      process.exit(0);
    })().catch((e) => { console.log(JSON.stringify({ error: String(e) })); process.exit(1); });`, { BASE: big.baseUrl, KEY: 'flt_many' });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  await new Promise((r) => child.once('exit', r));
  await big.stop();
  const { beating, timers, error } = JSON.parse(out || `{"error": ${JSON.stringify(err)}}`);
  assert.equal(error, undefined);
  assert.equal(beating, 40);
  assert.ok(timers <= 2, `${timers} timers for 40 envs`);
});
