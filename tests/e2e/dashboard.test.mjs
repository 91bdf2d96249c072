// The dashboard in a real Chromium (Debian's, driven by playwright-core), over two jobs recorded
// through the SDK (a sloppy baseline, the scripted candidate): the jobs list, a job, a transcript
// holding hostile markup (shown as text), the comparison (its numbers equal to what
// `flotilla compare` prints), and a session completed while the page is open appearing without a
// reload. Screenshots of each page, light and dark, go to artifacts/e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { Fleet } from '../../js/node.mjs';
import sloppy from '../../examples/agents/sloppy.mjs';
import scripted from '../../examples/agents/scripted.mjs';
import { startServer, repoRoot } from '../support/server.mjs';

const shots = join(repoRoot, 'artifacts', 'e2e');
const HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> <b>bold?</b>';
let server;
let browser;
let page;
let fleet;
let baseline;
let candidate;
let hostileSession;
let brokenSession;

before(async () => {
  mkdirSync(shots, { recursive: true });
  server = await startServer({ args: ['--static-root', repoRoot] });
  fleet = new Fleet({ apiKey: server.apiKey, baseUrl: server.baseUrl });
  baseline = await fleet.evaluate({ agent: sloppy, envKey: 'helpdesk', jobName: 'e2e baseline: sloppy', model: 'sloppy' });
  candidate = await fleet.evaluate({ agent: scripted, envKey: 'helpdesk', jobName: 'e2e candidate: scripted', model: 'scripted' });
  hostileSession = baseline.results.find((r) => r.taskKey === 'helpdesk-count-open').sessionId;
  await fleet.appendMessage(hostileSession, { role: 'assistant', content: HOSTILE });
  await fleet.appendMessage(hostileSession, {
    role: 'assistant', content: null,
    toolCalls: [{ id: 'call_x', type: 'function', function: { name: '<img src=x onerror=alert(1)>', arguments: JSON.stringify({ q: HOSTILE }) } }],
  });
  // A session scored by a verifier that failed: its transcript must say why.
  const broken = await fleet.importTask({ key: 'e2e-broken', prompt: 'Break.', envId: 'helpdesk',
    verifierFunc: "def verify(env, final_answer=None):\n    print('looking')\n    raise KeyError('ticket 99')\n" });
  const env = await broken.makeEnv();
  const result = await broken.verifyDetailed(env);
  await env.close();
  const session = fleet.session({ jobId: baseline.jobId, taskKey: 'e2e-broken', model: 'sloppy' });
  await session.log([{ role: 'user', content: 'Break.' }], 'ok');
  await session.complete({ verifierExecutionId: result.executionId });
  brokenSession = session.sessionId;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  page.on('dialog', (d) => { console.error('dialog opened:', d.message()); d.dismiss(); });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

function cli(args) {
  const run = spawnSync(process.execPath, [join(repoRoot, 'js', 'cli.mjs'), ...args], {
    encoding: 'utf8', env: { ...process.env, FLEET_BASE_URL: server.baseUrl, FLEET_API_KEY: server.apiKey },
  });
  assert.ok(run.status === 0 || run.status === 1, run.stderr);
  return run.stdout;
}

test('the jobs list: both jobs with their sessions and pass rates, newest first, filtered by name', async () => {
  await page.goto(`${server.baseUrl}/#jobs`);
  await page.fill('#api-key', server.apiKey);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForSelector(`#jobs-table tr[data-job="${candidate.jobId}"]`);
  assert.equal(await page.isVisible('#jobs'), true, 'the link\'s page survives signing in');
  const rows = await page.$$eval('#jobs-table tbody tr', (trs) => trs.map((tr) => tr.dataset.job));
  assert.deepEqual(rows, [candidate.jobId, baseline.jobId]);
  const text = (id) => page.textContent(`#jobs-table tr[data-job="${id}"]`);
  assert.match(await text(baseline.jobId), /e2e baseline: sloppy.*9.*3 \/ 9/s);
  assert.match(await text(candidate.jobId), /e2e candidate: scripted.*8.*8 \/ 8/s);
  assert.equal(await page.getAttribute(`#jobs-table tr[data-job="${candidate.jobId}"] .rate-fill`, 'style'), 'width: 100%;');
  await shot('10-jobs');
  await page.fill('#jobs-filter', 'CANDIDATE');
  assert.deepEqual(await page.$$eval('#jobs-table tbody tr', (trs) => trs.map((tr) => tr.dataset.job)), [candidate.jobId]);
  await page.fill('#jobs-filter', '');
});

test('a job: per task its pass rate and sessions; a transcript shows hostile markup as text', async () => {
  await page.click(`#jobs-table tr[data-job="${baseline.jobId}"] a`);
  await page.waitForSelector('#job-tasks .task-group');
  assert.equal(new URL(page.url()).hash, `#job/${baseline.jobId}`);
  assert.equal(await page.locator('#job-tasks .task-group').count(), 9);
  assert.match(await page.textContent('#job-facts'), /9 sessions · 3 passed \(33\.3%\)/);
  const group = page.locator('.task-group[data-task="helpdesk-count-open"]');
  assert.match(await group.textContent(), /0 \/ 1 passed/);
  assert.match(await group.textContent(), /sloppy.*completed/s);
  await group.locator('tr.session-row').click();
  await page.waitForSelector('#transcript:not([hidden]) .msg');
  assert.equal(new URL(page.url()).hash, `#job/${baseline.jobId}/session/${hostileSession}`);
  const messages = page.locator('#transcript-messages > li');
  assert.match(await messages.first().textContent(), /1\. user.*How many tickets/s);
  const all = await page.textContent('#transcript-messages');
  assert.ok(all.includes(HOSTILE), 'the markup is there, as text');
  assert.ok(all.includes('tool call: <img src=x onerror=alert(1)>'));
  assert.equal(await page.locator('#transcript img, #transcript script, #transcript b').count(), 0, 'and never as elements');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.match(await page.textContent('#transcript-verifier'), /Score: 0/);
  await shot('11-job-transcript');

  // A scripted session: tool calls and tool results shown as such.
  await page.goto(`${server.baseUrl}/#job/${candidate.jobId}/session/${candidate.results.find((r) => r.taskKey === 'helpdesk-close-printer').sessionId}`);
  await page.waitForSelector('#transcript .tool-call');
  assert.ok(await page.locator('#transcript .msg.tool .tool-result').count() >= 1);
  assert.match(await page.textContent('#transcript .tool-call summary'), /tool call: \w+/);
  assert.match(await page.textContent('#transcript-verifier'), /Score: 1/);
  await shot('12-transcript-tools');

  // A failed verifier: its error and stdout at the end.
  await page.goto(`${server.baseUrl}/#job/${baseline.jobId}/session/${brokenSession}`);
  await page.waitForSelector('#transcript-verifier .verifier-error');
  const verdict = await page.textContent('#transcript-verifier');
  assert.match(verdict, /The verifier failed/);
  assert.match(verdict, /error: KeyError/);
  assert.match(verdict, /ticket 99/);
  assert.match(verdict, /looking/);
});

test('the comparison: the numbers `flotilla compare` prints, the charts, the flipped tasks; the CLI links here', async () => {
  const json = JSON.parse(cli(['compare', baseline.jobId, candidate.jobId, '--json']));
  const printed = cli(['compare', baseline.jobId, candidate.jobId]).split('\n');
  const link = printed.find((l) => l.startsWith('view: ')).slice(6);
  assert.equal(link, `${server.baseUrl}/#compare/${baseline.jobId}/${candidate.jobId}`);
  await page.goto(link);
  await page.waitForSelector('#compare-body:not([hidden])');
  assert.equal(await page.textContent('#compare-summary'), printed.find((l) => l.startsWith('pass rate ')));
  assert.equal(await page.textContent('#compare-verdict'), printed.find((l) => l.startsWith('verdict: ')));
  assert.equal(await page.getAttribute('#compare-verdict', 'data-verdict'), json.verdict);
  const bars = await page.$$eval('#compare-tasks g[data-task]', (gs) => gs.map((g) => [g.dataset.task, Number(g.dataset.change)]));
  assert.deepEqual(bars, [...json.tasks].sort((a, b) => b.change - a.change || a.taskKey.localeCompare(b.taskKey)).map((t) => [t.taskKey, t.change]));
  const band = page.locator('#compare-interval g[data-low]');
  assert.equal(Number(await band.getAttribute('data-low')), json.intervalLow);
  assert.equal(Number(await band.getAttribute('data-high')), json.intervalHigh);
  const flipped = await page.$$eval('#compare-flipped li', (lis) => lis.map((li) => li.textContent));
  assert.deepEqual(flipped, json.tasks.filter((t) => t.flipped).map((t) => `${t.taskKey}: ${t.flipped}`));
  assert.equal(await page.inputValue('#compare-baseline'), baseline.jobId);
  assert.equal(await page.inputValue('#compare-candidate'), candidate.jobId);
  await shot('13-compare-light');
  // Readable in the dark OS theme too: the page and the chart's colors follow it.
  const colors = () => page.evaluate(() => [getComputedStyle(document.body).backgroundColor,
    getComputedStyle(document.querySelector('#compare-tasks rect.up')).fill]);
  const light = await colors();
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await colors();
  await shot('14-compare-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  assert.notEqual(dark[0], light[0]);
  assert.notEqual(dark[1], light[1]);
  // Options the CLI was given travel in its link, and the page uses them.
  const at90 = cli(['compare', baseline.jobId, candidate.jobId, '--confidence', '0.9']).split('\n');
  const link90 = at90.find((l) => l.startsWith('view: ')).slice(6);
  assert.match(link90, /\?confidence=0\.9$/);
  await page.goto(link90);
  await page.waitForSelector('#compare-summary:has-text("90% interval")');
  assert.equal(await page.textContent('#compare-summary'), at90.find((l) => l.startsWith('pass rate ')));
  // Swapping the pickers gives the other verdict, and the URL follows.
  await page.selectOption('#compare-baseline', candidate.jobId);
  await page.selectOption('#compare-candidate', baseline.jobId);
  await page.waitForSelector('#compare-verdict[data-verdict="worse"]');
  assert.equal(new URL(page.url()).hash, `#compare/${candidate.jobId}/${baseline.jobId}?confidence=0.9`);
});

test('live: a session completed while the job page is open appears without a reload', async () => {
  await page.goto(`${server.baseUrl}/#job/${baseline.jobId}`);
  await page.waitForSelector('#job-tasks .task-group');
  // "live" only once the event stream is connected (the page never fell back to polling).
  await page.waitForSelector('#live[data-state="live"]');
  await page.evaluate(() => { window.__sameDocument = true; });
  const created = await fleet.createSession({ jobId: baseline.jobId, taskKey: 'helpdesk-count-open', model: 'live-model' });
  await page.waitForSelector(`tr[data-session="${created.sessionId}"]`);
  await fleet.completeSession(created.sessionId, { status: 'failed' });
  await page.waitForSelector(`tr[data-session="${created.sessionId}"] .status:has-text("failed")`);
  assert.match(await page.textContent('#job-facts'), /10 sessions/);
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no reload happened');
  await shot('15-live');
});
