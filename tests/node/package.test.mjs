// The packed npm tarball, installed into a fresh project and used exactly as a user would:
// `import { Fleet } from 'flotilla'` and `require('flotilla')`, against a real flotilla-server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { startServer } from '../support/server.mjs';
import { installPacked } from '../support/packed.mjs';

let server;
let project;

before(async () => {
  server = await startServer();
  ({ project } = installPacked());
});

after(async () => {
  await server?.stop();
  if (project) rmSync(project, { recursive: true, force: true });
});

/** Runs a script inside the consumer project and returns its parsed JSON output. */
function run(file, source, env = {}) {
  writeFileSync(join(project, file), source);
  const out = execFileSync(process.execPath, [file], {
    cwd: project,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
  });
  return JSON.parse(out);
}

/** A ceiling for the browser build: 280 KiB of gzip, a few KiB above what it measures today
 * (243 KiB: typed serde models in and out through serde-wasm-bindgen, plus jobs, sessions,
 * compare, evaluate and the live event stream, then 275 KiB with issue 13's task packs, projects,
 * MCP configs and reset/heartbeat options; the README's size note says where the bytes
 * are). It catches a regression; it is not the 110 KiB the SDK issue asks for, which this build
 * does not reach. Bytes, not time: the same toolchain gives the same file, so this cannot flake. */
const WEB_WASM_GZIP_BUDGET = 280 * 1024;

test('the published web .wasm stays within its gzip budget', () => {
  const wasm = readFileSync(join(project, 'node_modules', 'flotilla', 'dist', 'web', 'flotilla_bg.wasm'));
  const gzipped = gzipSync(wasm, { level: 9 }).length;
  console.log(`# web .wasm: ${wasm.length} bytes raw, ${gzipped} bytes gzip -9 (budget ${WEB_WASM_GZIP_BUDGET})`);
  assert.ok(gzipped <= WEB_WASM_GZIP_BUDGET, `web .wasm is ${gzipped} bytes gzipped, over the ${WEB_WASM_GZIP_BUDGET} budget`);
});

test('the tarball ships the wasm builds and entries only', () => {
  const files = readdirSync(join(project, 'node_modules', 'flotilla', 'dist', 'node'));
  assert.ok(files.includes('flotilla_bg.wasm'));
  assert.ok(!readdirSync(join(project, 'node_modules', 'flotilla')).includes('src'), 'Rust sources are not published');
});

test('ESM import loads tasks and the account', () => {
  const result = run('esm.mjs', `
    import { Fleet } from 'flotilla';
    const fleet = new Fleet({ apiKey: ${JSON.stringify(server.apiKey)}, baseUrl: ${JSON.stringify(server.baseUrl)} });
    const tasks = await fleet.loadTasks({ envKey: 'helpdesk' });
    const account = await fleet.account();
    console.log(JSON.stringify({ keys: tasks.map((t) => t.key), envKey: tasks[0].envKey, team: account.teamId }));
  `);
  assert.ok(result.keys.length >= 8);
  assert.ok(result.keys.includes('helpdesk-close-printer'));
  assert.equal(result.envKey, 'helpdesk:v1');
  assert.equal(result.team, 'team_local');
});

test('CommonJS require reads FLEET_API_KEY and FLEET_BASE_URL from the environment', () => {
  const result = run('cjs.cjs', `
    const { Fleet } = require('flotilla');
    new Fleet().loadTasks({ keys: ['helpdesk-count-open'] })
      .then((tasks) => console.log(JSON.stringify({ keys: tasks.map((t) => t.key) })));
  `, { FLEET_API_KEY: server.apiKey, FLEET_BASE_URL: `${server.baseUrl}/` });
  assert.deepEqual(result.keys, ['helpdesk-count-open']);
});

test('errors are real Error subclasses that work with instanceof, and never show the key', () => {
  const result = run('errors.mjs', `
    import { Fleet, FleetError, APIError, AuthenticationError, ValidationError } from 'flotilla';
    const out = {};
    try {
      await new Fleet({ apiKey: 'flt_not_a_real_key', baseUrl: ${JSON.stringify(server.baseUrl)} }).account();
    } catch (e) {
      Object.assign(out, {
        auth: e instanceof AuthenticationError, api: e instanceof APIError, fleet: e instanceof FleetError,
        error: e instanceof Error, name: e.name, code: e.code, status: e.status, requestId: e.requestId,
        leaks: JSON.stringify({ m: e.message, s: String(e), b: e.body }).includes('flt_not_a_real_key'),
      });
    }
    try { new Fleet({ baseUrl: 'http://127.0.0.1:9' }); } catch (e) {
      out.noKey = { validation: e instanceof ValidationError, code: e.code, message: e.message };
    }
    console.log(JSON.stringify(out));
  `);
  assert.deepEqual(
    [result.auth, result.api, result.fleet, result.error, result.name, result.code, result.status],
    [true, true, true, true, 'AuthenticationError', 'authentication_error', 401],
  );
  assert.match(result.requestId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(result.leaks, false);
  assert.equal(result.noKey.validation, true);
  assert.equal(result.noKey.code, 'validation_error');
  assert.match(result.noKey.message, /apiKey/);
});

test('import and require in one process share the same classes', () => {
  const result = run('dual.mjs', `
    import { createRequire } from 'node:module';
    import * as esm from 'flotilla';
    const cjs = createRequire(import.meta.url)('flotilla');
    const names = Object.keys(esm).filter((k) => k !== 'default').sort();
    console.log(JSON.stringify({
      same: names.every((n) => esm[n] === cjs[n]),
      esmNames: names,
      cjsNames: Object.keys(cjs).sort(),
    }));
  `);
  assert.equal(result.same, true);
  assert.deepEqual(result.esmNames, result.cjsNames);
  assert.ok(result.esmNames.includes('Fleet'));
  assert.ok(!result.esmNames.some((n) => n.startsWith('__')), 'internal exports stay internal');
});
