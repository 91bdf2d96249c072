// The agent playground in a real Chromium: put an agent on a task and watch it work. The scripted
// agent on two tasks (steps appear in order while it runs, the app shows the change, score 1, the
// session is in the playground job), Stop mid-run (no instance left, the session failed), and
// model-driven agents (OpenAI Responses, Anthropic Messages) against scripted endpoints served by
// this test, whose pasted key never reaches flotilla-server. Screenshots go to artifacts/e2e.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, repoRoot } from '../support/server.mjs';
import { startModelEndpoint, competent } from '../support/model-endpoint.mjs';
import { installPacked } from '../support/packed.mjs';

const shots = join(repoRoot, 'artifacts', 'e2e');
const MODEL_KEY = 'sk-playground-test-7f3a9c1e5b2d';
let server;
let serverLog = '';
let browser;
let page;
let fleet;
const toServer = [];

before(async () => {
  mkdirSync(shots, { recursive: true });
  process.env.FLOTILLA_LOG = 'info,access=info';
  server = await startServer({ args: ['--static-root', repoRoot] });
  delete process.env.FLOTILLA_LOG;
  server.process.stderr.on('data', (d) => { serverLog += d; });
  const { flotilla } = installPacked();
  fleet = new flotilla.Fleet({ apiKey: server.apiKey, baseUrl: server.baseUrl });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  // Every request the page and its workers send to flotilla-server, whole: URL, headers, body.
  context.on('request', async (request) => {
    if (!request.url().startsWith(server.baseUrl)) return;
    toServer.push(`${request.method()} ${request.url()}\n${JSON.stringify(await request.allHeaders())}\n${request.postData() ?? ''}`);
  });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${server.baseUrl}/`);
  await page.fill('#api-key', server.apiKey);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForSelector('#team:has-text("Local Team")');
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`) });
const steps = () => page.locator('#agent-steps > li').allTextContents();

async function choose(taskKey, kind) {
  await page.click('[data-tab=playground]');
  await page.selectOption('#task-select', taskKey);
  await page.selectOption('#agent-kind', kind);
}

/** Waits for the run's end and answers the verdict's text. */
async function ended() {
  await page.waitForSelector('#agent-rerun:not([hidden])', { timeout: 60_000 });
  return page.textContent('#agent-verdict');
}

async function running() {
  return (await fleet.listInstances({ status: 'running' })).filter((i) => i.runId?.startsWith('job_'));
}

test('the scripted agent works a task step by step; pausing shows the change in the app; the run is kept', async () => {
  await choose('helpdesk-close-printer', 'scripted');
  // Started paused: the agent stops after its first step, then goes one step at a time.
  await page.check('#agent-start-paused');
  await page.click('#agent-run');
  await page.waitForSelector('#agent-step:not([hidden])');
  assert.equal(await page.textContent('#agent-status'), 'paused');
  await page.waitForSelector('#agent-steps > li:nth-child(2)');
  const first = await steps();
  assert.equal(first.length, 2, 'the prompt and the first tool call, nothing more while paused');
  assert.match(first[0], /1\. user[\s\S]*Printer on floor 3/);
  assert.match(first[1], /2\. assistant[\s\S]*tool call: update_ticket/);
  const app = page.frameLocator('#app-frame');
  await app.locator('tr:has-text("Printer on floor 3")').waitFor();
  assert.doesNotMatch(await app.locator('tr:has-text("Printer on floor 3")').textContent(), /closed/, 'not done yet');
  await shot('agent-1-paused');
  const live = await running();
  assert.equal(live.length, 1);
  assert.equal(live[0].heartbeatInterval, 30, 'the env beats while the tab lives: a closed tab stops it');
  // One step: the tool runs, its result shows, and the app beside it reloads with the change.
  await page.click('#agent-step');
  await page.waitForSelector('#agent-steps > li:nth-child(3)');
  await page.waitForSelector('#agent-step:not([hidden])');
  assert.match((await steps())[2], /3\. tool[\s\S]*closed/);
  await app.locator('tr:has-text("Printer on floor 3"):has-text("closed")').waitFor({ timeout: 10_000 });
  await shot('agent-2-stepped');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await steps()).length, 3, 'nothing more happens while paused');
  await page.click('#agent-resume');
  await page.uncheck('#agent-start-paused');
  const verdict = await ended();
  assert.match(verdict, /Score: 1/);
  const all = await steps();
  assert.match(all.at(-1), /assistant[\s\S]*Done\./);
  await shot('agent-3-done');

  const jobLink = await page.getAttribute('#agent-job-link', 'href');
  const [, jobId, sessionId] = jobLink.match(/^#job\/([^/]+)\/session\/(.+)$/).map(decodeURIComponent);
  const jobs = await fleet.listJobs();
  assert.match(jobs.find((j) => j.id === jobId).name, /^playground \d{4}-\d\d-\d\d$/);
  const record = await fleet.listJobSessions(jobId);
  const session = record.tasks.flatMap((t) => t.sessions).find((s) => s.sessionId === sessionId);
  assert.equal(session.status, 'completed');
  assert.equal(session.verifierExecution.score, 1);
  assert.deepEqual(await running(), [], 'the env was closed');
});

test('a second task in the same job of the day: a question answered with a final answer', async () => {
  await choose('helpdesk-count-open', 'scripted');
  await page.click('#agent-run');
  const verdict = await ended();
  assert.match(verdict, /Score: 1/);
  const jobId = decodeURIComponent((await page.getAttribute('#agent-job-link', 'href')).split('/')[1]);
  const record = await fleet.listJobSessions(jobId);
  const keys = record.tasks.map((t) => t.task?.key).sort();
  assert.deepEqual(keys, ['helpdesk-close-printer', 'helpdesk-count-open'], 'both runs are in the playground job');
  await page.click('#agent-job-link');
  await page.waitForSelector('#job:not([hidden])');
  await shot('agent-4-runs-in-job');
});

test('Stop mid-run: the agent is aborted, its session failed, its env closed', async () => {
  await choose('helpdesk-resolve-with-comment', 'scripted');
  await page.check('#agent-start-paused');
  await page.click('#agent-run');
  await page.waitForSelector('#agent-resume:not([hidden])');
  await page.uncheck('#agent-start-paused');
  const app = page.frameLocator('#app-frame');
  await app.locator('tr:has-text("Printer on floor 3")').waitFor();
  await page.click('#agent-stop');
  const verdict = await ended();
  assert.match(await page.textContent('#agent-status'), /stopped/);
  assert.doesNotMatch(verdict, /Score: 1/);
  const jobId = decodeURIComponent((await page.getAttribute('#agent-job-link', 'href')).split('/')[1]);
  const record = await fleet.listJobSessions(jobId);
  const session = record.tasks.find((t) => t.task?.key === 'helpdesk-resolve-with-comment').sessions[0];
  assert.equal(session.status, 'failed');
  assert.deepEqual(await running(), [], 'no instance left running');
  await shot('agent-5-stopped');
});

for (const provider of ['openai', 'anthropic']) {
  test(`a model-driven agent (${provider}) drives the env's MCP tools; the pasted key stays in the tab`, async () => {
    const endpoint = await startModelEndpoint({ policy: competent, cors: true });
    try {
      await choose('helpdesk-close-printer', provider);
      await page.fill('#agent-key', MODEL_KEY);
      await page.fill('#agent-base-url', provider === 'openai' ? `${endpoint.url}/v1` : endpoint.url);
      await page.click('#agent-run');
      const verdict = await ended();
      assert.match(verdict, /Score: 1/, verdict);
      const calls = endpoint.requests.filter((r) => r.path === (provider === 'openai' ? '/v1/responses' : '/v1/messages'));
      assert.ok(calls.length >= 2, 'a tool turn and an answer turn');
      const auth = provider === 'openai' ? calls[0].headers.authorization : calls[0].headers['x-api-key'];
      assert.ok(auth.includes(MODEL_KEY), 'the key went to the model provider');
      const tools = calls[0].body.tools.map((t) => t.name);
      assert.ok(tools.includes('update_ticket'), tools.join());
      assert.match((await steps()).join('\n'), /tool call: update_ticket/);
      await shot(`agent-6-${provider}`);
    } finally {
      await endpoint.stop();
    }
    // The key never reached flotilla-server: not in any request the page or its workers sent it
    // (URL, headers, body), not in its access log (not even as a credential's fingerprint), not
    // in the run's transcript, not in the page's storage.
    assert.ok(toServer.some((r) => r.includes('/v1/traces/logs')), 'the agent logged to its session');
    assert.deepEqual(toServer.filter((r) => r.includes(MODEL_KEY)), []);
    assert.match(serverLog, /POST \/v1\/traces\/logs 200 \d+ms auth=sha256:[0-9a-f]{8}/, 'the access log is on');
    const print = `sha256:${createHash('sha256').update(MODEL_KEY).digest('hex').slice(0, 8)}`;
    assert.equal(serverLog.includes(MODEL_KEY), false);
    assert.equal(serverLog.includes(print), false);
    const sessionId = decodeURIComponent((await page.getAttribute('#agent-job-link', 'href')).split('/')[3]);
    assert.equal(JSON.stringify(await fleet.getSessionTranscript(sessionId)).includes(MODEL_KEY), false);
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    assert.equal(stored.includes(MODEL_KEY), false);
  });
}

test('a base URL that is not a full provider URL is refused before the key goes anywhere', async () => {
  await choose('helpdesk-close-printer', 'openai');
  const before = toServer.length;
  for (const base of ['api.openai.com/v1', server.baseUrl, 'javascript:alert(1)']) {
    await page.fill('#agent-key', MODEL_KEY);
    await page.fill('#agent-base-url', base);
    await page.click('#agent-run');
    await page.waitForSelector('#toast:not([hidden])');
    assert.match(await page.textContent('#toast'), /full http\(s\) URL of the provider/, base);
    await page.evaluate(() => { document.getElementById('toast').hidden = true; });
  }
  assert.deepEqual(toServer.slice(before).filter((r) => r.includes(MODEL_KEY)), []);
  assert.equal(await page.isVisible('#agent-run'), true);
  assert.equal(await page.isDisabled('#agent-run'), false, 'nothing started');
});
