// The model-driven example agents (examples/agents/openai.mjs and anthropic.mjs) under
// `flotilla eval`, each driving its real provider SDK (`openai`, `@anthropic-ai/sdk`, installed in
// examples/node_modules) against a scripted model endpoint, in both MCP modes: `local` (the agent
// lists the env's tools and runs the model's calls) and `hosted` (the tool config from
// `env.mcp.openai()` / `env.mcp.anthropic()`; the endpoint calls the MCP server, as the provider
// would). A competent model passes every task, a do-nothing model fails every one; the endpoint
// saw the right tools; each session's transcript has one assistant entry per model step; the
// model key reaches the endpoint and nothing else (not flotilla-server's traffic, log or data).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { startServer, repoRoot } from '../support/server.mjs';
import { startModelEndpoint, competent, doNothing } from '../support/model-endpoint.mjs';
import { Fleet } from '../../js/node.mjs';

const KEYS = { openai: 'sk-test-openai-5e1c9a3f7b2d', anthropic: 'sk-ant-test-2b8f4d6a1c9e' };
const MODELS = { openai: 'gpt-4.1', anthropic: 'claude-sonnet-4-5' };
const TASKS = ['helpdesk-close-printer', 'helpdesk-count-open', 'helpdesk-resolve-with-comment'];
/** The competent model's steps per task: tool steps, then its answer. */
const TOOL_STEPS = { 'helpdesk-close-printer': [['update_ticket']], 'helpdesk-count-open': [['list_tickets']],
  'helpdesk-resolve-with-comment': [['add_comment'], ['update_ticket']] };

let server;
let serverLog = '';
let proxy;
let fleet;
let mcpTools;
let taskByPrompt;

/** A loopback proxy in front of flotilla-server that keeps every request (headers and body). */
async function startRecordingProxy(targetBaseUrl) {
  const target = new URL(targetBaseUrl);
  const seen = [];
  const proxyServer = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method, path: req.url, headers: req.headers, body: body.toString('utf8') });
      const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url,
        headers: { ...req.headers, host: target.host } }, (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => req.socket.destroy());
      upstream.end(body);
    });
  });
  await new Promise((resolve) => proxyServer.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${proxyServer.address().port}`,
    seen,
    close: () => new Promise((resolve) => { proxyServer.closeAllConnections?.(); proxyServer.close(resolve); }),
  };
}

before(async () => {
  for (const pkg of ['openai', '@anthropic-ai/sdk']) {
    assert.ok(existsSync(join(repoRoot, 'examples', 'node_modules', pkg, 'package.json')),
      `${pkg} is missing from examples/node_modules: run npm ci --prefix examples`);
  }
  process.env.FLOTILLA_LOG = 'info,access=info';
  try {
    server = await startServer();
  } finally {
    delete process.env.FLOTILLA_LOG;
  }
  server.process.stderr.on('data', (d) => { serverLog += d; });
  proxy = await startRecordingProxy(server.baseUrl);
  fleet = new Fleet({ apiKey: server.apiKey, baseUrl: server.baseUrl });
  taskByPrompt = new Map((await fleet.loadTasks({ envKey: 'helpdesk' })).map((t) => [t.prompt, t.key]));
  const env = await fleet.make({ envKey: 'helpdesk' });
  try {
    mcpTools = await env.mcp.listTools();
  } finally {
    await env.close();
  }
  assert.ok(mcpTools.some((t) => t.name === 'update_ticket'));
});
after(async () => {
  await proxy?.close();
  await server?.stop();
});

/** `node js/cli.mjs eval` with the agent of `provider`, its provider pointed at `endpoint`. */
function runEval(provider, mode, endpoint, jobName) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OPENAI|ANTHROPIC|FLEET|FLOTILLA)_/.test(k)));
  Object.assign(env, { FLEET_BASE_URL: proxy.url, FLEET_API_KEY: server.apiKey, FLOTILLA_MCP_MODE: mode });
  if (provider === 'openai') Object.assign(env, { OPENAI_BASE_URL: `${endpoint.url}/v1`, OPENAI_API_KEY: KEYS.openai });
  else Object.assign(env, { ANTHROPIC_BASE_URL: endpoint.url, ANTHROPIC_API_KEY: KEYS.anthropic });
  const args = ['js/cli.mjs', 'eval', '--agent', `examples/agents/${provider}.mjs`, '--tasks', TASKS.join(','), '--job-name', jobName, '--json'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('exit', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
}

const promptOf = (provider, body) => (provider === 'openai' ? body.input[0].content : body.messages[0].content);
/** The model key a request carried. */
const keyOf = (provider, headers) => (provider === 'openai' ? headers.authorization?.replace(/^Bearer /, '')
  : headers['x-api-key'] ?? headers.authorization?.replace(/^Bearer /, ''));

/**
 * What the provider answered, step by step: the tools of each step, then its text. A step is a
 * response's tool calls for the agent to run (local), or one call the provider ran (hosted).
 */
function answered(provider, responses) {
  const [items, calls, runs, texts] = provider === 'openai' ? ['output', 'function_call', 'mcp_call', 'message'] : ['content', 'tool_use', 'mcp_tool_use', 'text'];
  const steps = [];
  let text = null;
  for (const response of responses) {
    const own = response[items].filter((i) => i.type === calls);
    if (own.length) steps.push(own.map((i) => i.name));
    for (const i of response[items].filter((x) => x.type === runs)) steps.push([i.name]);
    const said = response[items].filter((i) => i.type === texts);
    if (said.length) text = said.map((i) => (provider === 'openai' ? i.content.map((c) => c.text).join('') : i.text)).join('');
  }
  return { steps, text };
}

async function evaluate(provider, mode, policy) {
  const endpoint = await startModelEndpoint({ policy });
  const proxied = proxy.seen.length;
  let run;
  try {
    run = await runEval(provider, mode, endpoint, `${provider} ${mode} ${policy.name}`);
  } finally {
    await endpoint.stop();
  }
  assert.equal(run.status, 0, `flotilla eval failed:\n${run.stderr}`);
  const result = JSON.parse(run.stdout);
  assert.deepEqual(result.results.map((r) => r.taskKey).sort(), [...TASKS].sort());
  assert.ok(result.results.every((r) => r.error === null), JSON.stringify(result.results));

  // Every request: the right path, the fake key and no other, the model, valid (200).
  const path = provider === 'openai' ? '/v1/responses' : '/v1/messages';
  assert.ok(endpoint.requests.length >= TASKS.length);
  for (const r of endpoint.requests) {
    assert.equal(r.method, 'POST');
    assert.equal(r.path, path);
    assert.equal(r.status, 200, JSON.stringify(r.response));
    assert.equal(keyOf(provider, r.headers), KEYS[provider], 'the model key is the test\'s fake key');
    assert.equal(r.body.model, MODELS[provider]);
    if (provider === 'anthropic') assert.ok(r.headers['anthropic-version']);
    const raw = JSON.stringify(r);
    assert.equal(raw.includes(server.apiKey), false, 'the Fleet key never goes to the model provider');
    for (const other of Object.values(KEYS).filter((k) => k !== KEYS[provider])) assert.equal(raw.includes(other), false);
  }
  // Nothing the CLI sent flotilla-server (headers, bodies, transcripts) holds the model key.
  const sent = JSON.stringify(proxy.seen.slice(proxied));
  assert.ok(sent.includes('/v1/traces/logs'), 'the proxy saw the transcripts go by');
  assert.equal(sent.includes(KEYS[provider]), false, 'the model key never reaches flotilla-server');
  // The provider's own calls of the MCP server carry no credential of the agent's.
  for (const m of endpoint.mcpRequests) {
    assert.equal(m.headers.authorization, undefined);
    assert.equal(JSON.stringify(m).includes(KEYS[provider]), false);
  }

  const byTask = new Map(TASKS.map((k) => [k, []]));
  for (const r of endpoint.requests) byTask.get(taskByPrompt.get(promptOf(provider, r.body))).push(r);
  const sessions = (await fleet.listJobSessions(result.jobId)).tasks.flatMap((t) => t.sessions);
  const perTask = [];
  for (const r of result.results) {
    const requests = byTask.get(r.taskKey);
    const instanceUrl = `${server.baseUrl}/i/${r.instanceId}/mcp`;
    // The tools the model was given.
    for (const q of requests) {
      if (mode === 'local') {
        const expected = provider === 'openai'
          ? mcpTools.map((t) => ({ type: 'function', name: t.name, description: t.description, parameters: t.inputSchema, strict: false }))
          : mcpTools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema }));
        assert.deepEqual(q.body.tools, expected, 'function tools built from env.mcp.listTools()');
        assert.equal(q.body.mcp_servers, undefined);
        assert.equal(q.headers['anthropic-beta'], undefined);
      } else if (provider === 'openai') {
        assert.deepEqual(q.body.tools, [{ type: 'mcp', server_label: 'helpdesk', server_url: instanceUrl, require_approval: 'never' }],
          'exactly env.mcp.openai()');
      } else {
        assert.deepEqual(q.body.mcp_servers, [{ type: 'url', url: instanceUrl, name: 'helpdesk' }], 'exactly env.mcp.anthropic()');
        assert.equal(q.body.tools, undefined);
        assert.ok(q.headers['anthropic-beta'].split(',').includes('mcp-client-2025-04-04'));
      }
    }
    const { steps, text } = answered(provider, requests.map((q) => q.response));
    // Local: one request per model step. Hosted: one request; the provider ran the steps.
    assert.equal(requests.length, mode === 'local' ? steps.length + 1 : 1, r.taskKey);
    if (mode === 'hosted') {
      const mcp = endpoint.mcpRequests.filter((m) => m.url === instanceUrl).map((m) => m.method);
      assert.deepEqual(mcp, ['initialize', 'tools/list', ...steps.flat().map(() => 'tools/call')], 'the provider called the MCP server');
      if (provider === 'openai') assert.equal(requests[0].response.output[0].type, 'mcp_list_tools');
    }

    // The transcript: the prompt, then each step (an assistant tool call and its results), then
    // the answer; one assistant entry per step, as logged turn by turn.
    const { transcript } = await fleet.getSessionTranscript(r.sessionId);
    const assistants = transcript.filter((m) => m.role === 'assistant');
    assert.equal(transcript[0].role, 'user');
    assert.equal(transcript[0].content, promptOf(provider, requests[0].body));
    assert.equal(assistants.length, steps.length + 1, `${r.taskKey}: ${JSON.stringify(transcript)}`);
    assert.deepEqual(assistants.slice(0, -1).map((m) => m.toolCalls.map((c) => c.function.name)), steps);
    assert.equal(transcript.filter((m) => m.role === 'tool').length, steps.flat().length);
    for (const [i, m] of transcript.entries()) {
      if (m.role !== 'tool') continue;
      const call = transcript.slice(0, i).findLast((x) => x.role === 'assistant');
      assert.ok(call.toolCalls.some((c) => c.id === m.toolCallId), 'each tool result answers a call of the step before it');
      assert.ok(m.content.length > 0);
    }
    assert.equal(transcript.at(-1).role, 'assistant');
    assert.equal(transcript.at(-1).content, text);
    assert.equal(sessions.find((s) => s.sessionId === r.sessionId).stepCount, steps.length + 1);
    perTask.push({ taskKey: r.taskKey, passed: r.passed, score: r.score, steps, text, transcript });
  }
  return { result, endpoint, perTask };
}

for (const provider of ['openai', 'anthropic']) {
  for (const mode of ['local', 'hosted']) {
    test(`${provider}, ${mode} MCP: a competent model passes every task through the tools`, async () => {
      const { result, perTask } = await evaluate(provider, mode, competent);
      assert.equal(result.passRate, 1, JSON.stringify(result.results));
      for (const t of perTask) {
        assert.equal(t.passed, true, t.taskKey);
        assert.deepEqual(t.steps, TOOL_STEPS[t.taskKey], `${t.taskKey}: the tools it used`);
      }
      const count = perTask.find((t) => t.taskKey === 'helpdesk-count-open');
      assert.equal(count.text, '5', 'the answer is the count of the open tickets list_tickets returned');
      const listed = JSON.parse(count.transcript.find((m) => m.role === 'tool').content);
      assert.equal(listed.length, 5);
      assert.ok(listed.every((t) => t.status === 'open'));
    });

    test(`${provider}, ${mode} MCP: a model that does nothing fails every task`, async () => {
      const { result, endpoint, perTask } = await evaluate(provider, mode, doNothing);
      assert.equal(result.passRate, 0);
      for (const t of perTask) {
        assert.equal(t.passed, false, t.taskKey);
        assert.equal(t.score, 0, t.taskKey);
        assert.deepEqual(t.steps, []);
        assert.deepEqual(t.transcript.map((m) => [m.role, m.content]).slice(1), [['assistant', 'Done.']]);
      }
      assert.equal(endpoint.requests.length, TASKS.length, 'one request per task: the answer');
      assert.equal(endpoint.mcpRequests.filter((m) => m.method === 'tools/call').length, 0);
      if (mode === 'hosted') assert.equal(endpoint.mcpRequests.filter((m) => m.method === 'tools/list').length, TASKS.length);
    });
  }
}

test('the scripted endpoint refuses what the providers refuse, in their error shapes', async () => {
  const endpoint = await startModelEndpoint({ policy: competent, cors: true });
  try {
    const post = async (path, body, headers) => {
      const response = await fetch(`${endpoint.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      return { status: response.status, body: await response.json() };
    };
    const bearer = { authorization: 'Bearer sk-x' };
    const user = (text) => ({ role: 'user', content: text });
    const schema = mcpTools.find((t) => t.name === 'update_ticket').inputSchema;

    // OpenAI Responses: `{ error: { message, type, param, code } }`.
    let r = await post('/v1/responses', { model: 'm', input: 'hi' }, {});
    assert.equal(r.status, 401);
    assert.match(r.body.error.message, /API key/);
    r = await post('/v1/responses', { model: 'm', input: 'hi', temperatur: 1 }, bearer);
    assert.deepEqual([r.status, r.body.error.param, r.body.error.type], [400, 'temperatur', 'invalid_request_error']);
    r = await post('/v1/responses', { input: 'hi' }, bearer);
    assert.deepEqual([r.status, r.body.error.param], [400, 'model']);
    r = await post('/v1/responses', { model: 'm', input: [user('hi'), { type: 'function_call', call_id: 'c1', name: 'list_tickets', arguments: '{}' }] }, bearer);
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /No tool output found for function call c1/);
    r = await post('/v1/responses', { model: 'm', input: [user('hi'), { type: 'function_call_output', call_id: 'c2', output: '[]' }] }, bearer);
    assert.match(r.body.error.message, /No tool call found for function call output with call_id c2/);
    r = await post('/v1/responses', { model: 'm', input: 'hi', tools: [{ type: 'function', name: 'update_ticket', parameters: schema, strict: true }] }, bearer);
    assert.deepEqual([r.status, r.body.error.code], [400, 'invalid_function_parameters']);
    assert.match(r.body.error.message, /additionalProperties/);
    r = await post('/v1/responses', { model: 'm', input: 'Close ticket #2 ("Printer on floor 3 is jammed"): set its status to closed.',
      tools: [{ type: 'function', name: 'update_ticket', parameters: schema, strict: false }] }, bearer);
    assert.equal(r.status, 200);
    assert.equal(r.body.object, 'response');
    assert.deepEqual(r.body.output.map((i) => [i.type, i.name, JSON.parse(i.arguments)]), [['function_call', 'update_ticket', { id: 2, status: 'closed' }]]);

    // Anthropic Messages: `{ type: 'error', error: { type, message } }`.
    const ant = { 'x-api-key': 'sk-ant-x', 'anthropic-version': '2023-06-01' };
    const base = { model: 'm', max_tokens: 100, messages: [user('hi')] };
    r = await post('/v1/messages', base, { 'anthropic-version': '2023-06-01' });
    assert.deepEqual([r.status, r.body.type, r.body.error.type], [401, 'error', 'authentication_error']);
    r = await post('/v1/messages', base, { 'x-api-key': 'sk-ant-x' });
    assert.deepEqual([r.status, r.body.error.message], [400, 'anthropic-version: header is required']);
    r = await post('/v1/messages', { ...base, max_tokens: undefined }, ant);
    assert.match(r.body.error.message, /^max_tokens/);
    const servers = [{ type: 'url', url: 'http://127.0.0.1:9/mcp', name: 'helpdesk' }];
    r = await post('/v1/messages', { ...base, mcp_servers: servers }, ant);
    assert.deepEqual([r.status, r.body.error.message], [400, 'mcp_servers: Extra inputs are not permitted']);
    r = await post('/v1/messages', { ...base, mcp_servers: servers, betas: ['mcp-client-2025-04-04'] }, { ...ant, 'anthropic-beta': 'mcp-client-2025-04-04' });
    assert.deepEqual([r.status, r.body.error.message], [400, 'betas: Extra inputs are not permitted'], 'betas is a header, not a body field');
    r = await post('/v1/messages', { ...base, mcp_servers: servers }, { ...ant, 'anthropic-beta': 'mcp-client-2025-04-04' });
    assert.equal(r.status, 400, 'an MCP server it cannot reach fails the request');
    assert.match(r.body.error.message, /Connecting to MCP server 'helpdesk' failed/);
    const use = { type: 'tool_use', id: 'toolu_1', name: 'list_tickets', input: {} };
    r = await post('/v1/messages', { ...base, messages: [user('hi'), { role: 'assistant', content: [use] }, user('and?')] }, ant);
    assert.match(r.body.error.message, /`tool_use` ids were found without `tool_result` blocks immediately after: toolu_1/);
    r = await post('/v1/messages', { ...base, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: '[]' }] }] }, ant);
    assert.match(r.body.error.message, /unexpected `tool_use_id` found in `tool_result` blocks: toolu_9/);
    r = await post('/v1/messages', { ...base, tools: [{ name: 'list_tickets', input_schema: { type: 'string' } }] }, ant);
    assert.match(r.body.error.message, /input_schema.type: Input should be 'object'/);

    // Browsers' preflights are answered (cors: true) and not recorded as requests.
    const preflight = await fetch(`${endpoint.url}/v1/messages`, { method: 'OPTIONS',
      headers: { origin: 'http://example.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-api-key,anthropic-version' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-headers'), 'x-api-key,anthropic-version');
    assert.ok(endpoint.requests.every((q) => q.method === 'POST'));
    assert.equal(endpoint.requests.filter((q) => q.status === 200).length, 1);
    assert.equal(endpoint.mcpRequests.length, 1, 'the one unreachable MCP server was tried');
  } finally {
    await endpoint.stop();
  }
});

test('the model keys never reached flotilla-server: not its access log, not its data', () => {
  assert.match(serverLog, /POST \/v1\/traces\/logs 200/, 'the access log is on');
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) files.push(path);
    }
  };
  walk(server.dataDir);
  assert.ok(files.length > 0);
  for (const key of Object.values(KEYS)) {
    assert.equal(serverLog.includes(key), false);
    for (const file of files) assert.equal(readFileSync(file).includes(key), false, `${key} found in ${file}`);
  }
  assert.ok(JSON.stringify(proxy.seen).includes(server.apiKey), 'the proxy saw the Fleet key: it checked real traffic');
});
