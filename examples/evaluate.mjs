// Evaluates a scripted agent on every task of an environment, the way an agent harness would:
// make an env per task (one run id for the whole evaluation), keep it alive with the heartbeat
// loop, act through the environment's JSON API and MCP tools, verify, and always close.
//
// Written only against the public `flotilla` package: copy it into your own project and point it
// at the Fleet service with FLEET_BASE_URL and FLEET_API_KEY. The scripted agent knows the demo
// help desk's tasks; replace `agent()` with your model.
//
//   FLEET_BASE_URL=http://127.0.0.1:8700 FLEET_API_KEY=... node examples/evaluate.mjs [--env helpdesk] [--concurrency 4]
import { Fleet } from 'flotilla';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const ENV_KEY = option('env', 'helpdesk');
const CONCURRENCY = Number(option('concurrency', '4'));
const RUN_ID = `eval-${new Date().toISOString().replace(/[:.]/g, '-')}`;

/** Calls one of the environment's MCP tools (JSON-RPC `tools/call`). */
async function mcp(env, name, args) {
  const response = await fetch(env.urls.mcp, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
  });
  const { result, error } = await response.json();
  if (error || result.isError) throw new Error(`${name}: ${error?.message ?? result.content[0].text}`);
  return result.structuredContent.result;
}

/** Calls the environment's JSON API. */
async function api(env, method, path, body) {
  const response = await fetch(`${env.urls.api}${path}`, {
    method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${data.detail}`);
  return data;
}

/** The scripted agent: acts on the environment, returns its final answer (or undefined). */
async function agent(task, env) {
  switch (task.key) {
    case 'helpdesk-close-printer':
      await api(env, 'PATCH', '/tickets/2', { status: 'closed' });
      return undefined;
    case 'helpdesk-assign-vpn': {
      const [ticket] = await api(env, 'GET', '/tickets?q=VPN');
      await api(env, 'PATCH', `/tickets/${ticket.id}`, { assignee: 'maria' });
      return undefined;
    }
    case 'helpdesk-update-initech-email': {
      const initech = (await api(env, 'GET', '/customers')).find((c) => c.name === 'Initech');
      await api(env, 'PATCH', `/customers/${initech.id}`, { email: 'ops@initech.example' });
      return undefined;
    }
    case 'helpdesk-count-open':
      return String((await api(env, 'GET', '/tickets?status=open')).length);
    case 'helpdesk-create-invoice-ticket':
      await mcp(env, 'create_ticket', { subject: 'Invoice copy needed', customer: 'Acme Corp', priority: 'high' });
      return undefined;
    case 'helpdesk-escalate-globex':
      for (const t of await mcp(env, 'list_tickets', { query: 'Globex', status: 'open' })) {
        await mcp(env, 'update_ticket', { id: t.id, priority: 'urgent' });
      }
      return undefined;
    case 'helpdesk-resolve-with-comment':
      await mcp(env, 'add_comment', { id: 2, body: 'Replaced toner, please retry' });
      await mcp(env, 'update_ticket', { id: 2, status: 'resolved' });
      return undefined;
    case 'helpdesk-delete-spam': {
      const [spam] = await mcp(env, 'list_tickets', { query: 'FREE CRUISE' });
      await mcp(env, 'delete_ticket', { id: spam.id });
      return undefined;
    }
    default:
      throw new Error(`the scripted agent has no strategy for ${task.key}`);
  }
}

/** One task, start to finish; the env is closed whatever happens. */
async function evaluate(task) {
  const started = performance.now();
  let env;
  try {
    env = await task.makeEnv({ runId: RUN_ID, heartbeatInterval: 30, ttlSeconds: 900 });
    const finalAnswer = await agent(task, env);
    const result = await task.verifyDetailed(env, finalAnswer === undefined ? undefined : { finalAnswer });
    const score = result.success ? (typeof result.result === 'number' ? result.result : Number(result.result?.score ?? 0)) : 0;
    return { task: task.key, score, seconds: (performance.now() - started) / 1000, error: result.success ? '' : `${result.error?.type}: ${result.error?.message}` };
  } catch (error) {
    return { task: task.key, score: 0, seconds: (performance.now() - started) / 1000, error: `${error.name}: ${error.message}` };
  } finally {
    await env?.close().catch(() => {});
  }
}

function progress(done, total) {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${bar}`);
  else process.stderr.write(`${bar}\n`);
}

const fleet = new Fleet();
const tasks = await fleet.loadTasks({ envKey: ENV_KEY });
if (tasks.length === 0) {
  console.error(`No tasks for environment ${ENV_KEY} at ${fleet.baseUrl}.`);
  process.exit(1);
}
console.log(`Evaluating ${tasks.length} tasks of ${ENV_KEY} at ${fleet.baseUrl} (run ${RUN_ID}, ${CONCURRENCY} at a time)`);
const results = [];
let next = 0;
progress(0, tasks.length);
await Promise.all(Array.from({ length: Math.min(CONCURRENCY, tasks.length) }, async () => {
  while (next < tasks.length) {
    const task = tasks[next++];
    results.push(await evaluate(task));
    progress(results.length, tasks.length);
  }
}));
if (process.stderr.isTTY) process.stderr.write('\n');

results.sort((a, b) => a.task.localeCompare(b.task));
const pad = (s, n) => String(s).padEnd(n);
const width = Math.max(...results.map((r) => r.task.length), 4);
console.log(`\n${pad('task', width)}  score  seconds  error`);
console.log(`${'-'.repeat(width)}  -----  -------  -----`);
for (const r of results) console.log(`${pad(r.task, width)}  ${pad(r.score.toFixed(2), 5)}  ${pad(r.seconds.toFixed(2), 7)}  ${r.error}`);
const total = results.reduce((s, r) => s + r.score, 0);
console.log(`\n${total} / ${results.length} tasks passed`);
await fleet.closeAll({ runId: RUN_ID }).catch(() => {});
// The summary as one JSON line, for scripts and tests.
console.log(`RESULT ${JSON.stringify({ runId: RUN_ID, passed: total, total: results.length, results })}`);
