// The playground and dashboard in a real Chromium (Debian's, driven by playwright-core): sign in,
// launch an environment for a demo task, do the task by hand in the app's iframe, verify (score
// 1), see the run and instance on the dashboard, close everything. Screenshots go to artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, repoRoot } from '../support/server.mjs';

const shots = join(repoRoot, 'artifacts', 'e2e');
let server;
let browser;
let page;

before(async () => {
  mkdirSync(shots, { recursive: true });
  server = await startServer({ args: ['--static-root', repoRoot] });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true, // launch() always uses a fresh, empty profile
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => console.error('page error:', e.message));
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`) });

test('sign in, launch, do the task in the iframe, verify, see it on the dashboard, close', async () => {
  await page.goto(`${server.baseUrl}/`);
  // A wrong key: the page says so and stays on the sign-in form.
  await page.fill('#api-key', 'flt_not_a_real_key');
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForSelector('#toast:not([hidden])');
  assert.match(await page.textContent('#toast'), /key is wrong/);
  assert.equal(await page.isVisible('#sign-in-form'), true);
  await page.fill('#api-key', server.apiKey);
  await shot('01-sign-in');
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForSelector('#team:has-text("Local Team")');
  const source = await page.content();
  assert.equal(source.includes(server.apiKey), false, 'the page never holds the API key');
  assert.equal(JSON.stringify(await page.evaluate(() => ({ ...sessionStorage }))).includes(server.apiKey), false);

  await page.selectOption('#task-select', 'helpdesk-close-printer');
  await page.waitForSelector('#task-prompt:has-text("Printer on floor 3")');
  await shot('02-task');
  await page.click('#launch');
  await page.waitForSelector('#env-panel:not([hidden])');
  await page.waitForSelector('#hb-last:not(:has-text("none yet"))');
  const instanceId = (await page.textContent('#env-id')).trim();
  assert.match(instanceId, /^inst_/);

  const app = page.frameLocator('#app-frame');
  await app.locator('a:has-text("Printer on floor 3 is jammed")').click();
  await app.locator('#status').selectOption('closed');
  await shot('03-app-in-iframe');
  await app.locator('button:has-text("Save ticket")').click();
  await app.locator('h1:has-text("Ticket #2")').waitFor();

  await page.click('#verify');
  await page.waitForSelector('#verdict.pass');
  assert.match(await page.textContent('#verdict'), /Score: 1/);
  await shot('04-verified');

  await page.click('[data-tab=instances]');
  await page.waitForSelector(`#instances tr[data-instance="${instanceId}"]`);
  assert.equal(await page.isVisible('#playground'), false, 'one tab at a time');
  assert.equal(await page.isVisible('#instances'), true);
  const row = page.locator(`#instances tr[data-instance="${instanceId}"]`);
  assert.match(await row.textContent(), /running/);
  assert.match(await page.textContent('#usage-text'), /1 of 10 instances running/);
  const runRow = page.locator('#runs tr[data-run^="playground-"]');
  assert.match(await runRow.textContent(), /1 of 1/);
  await shot('05-dashboard');

  await runRow.locator('button:has-text("Close all")').click();
  await page.waitForSelector(`#instances tr[data-instance="${instanceId}"]:has-text("stopped")`);
  await page.waitForSelector('#usage-text:has-text("0 of 10")');
  await shot('06-closed');
  await page.click('[data-tab=playground]');
  assert.match(await page.textContent('#env-status'), /stopped/, 'the playground knows its env was closed');
  assert.equal(await page.isVisible('#app-frame'), false);
  await page.click('[data-tab=instances]');
  const account = await (await fetch(`${server.baseUrl}/v1/account`, { headers: { Authorization: `Bearer ${server.apiKey}` } })).json();
  assert.equal(account.instance_count, 0);
});

test('errors read like sentences: the instance limit', async () => {
  // Fill the team up to its limit behind the page's back, then launch from the page.
  const ids = [];
  for (let i = 0; i < 10; i++) {
    const r = await fetch(`${server.baseUrl}/v1/env/instances`, { method: 'POST', headers: { Authorization: `Bearer ${server.apiKey}`, 'Content-Type': 'application/json' }, body: '{"env_key":"helpdesk","run_id":"filler"}' });
    ids.push((await r.json()).instance_id);
  }
  await page.click('[data-tab=playground]');
  await page.click('#launch');
  await page.waitForSelector('#toast:not([hidden])');
  assert.equal(await page.textContent('#toast'), 'Instance limit reached: 10 of 10 running. Close one to launch another.');
  await shot('07-limit');
  await fetch(`${server.baseUrl}/v1/env/instances/batch?run_id=filler`, { method: 'DELETE', headers: { Authorization: `Bearer ${server.apiKey}` } });
  assert.equal(ids.length, 10);
});

test('the SDK works in a module Web Worker', async () => {
  const result = await page.evaluate(async (base) => {
    const token = sessionStorage.getItem('flotilla.session');
    const source = `
      import { init, Fleet } from '${base}/sdk/js/web.mjs';
      self.onmessage = async (event) => {
        try {
          await init();
          const fleet = new Fleet({ apiKey: event.data, baseUrl: '${base}' });
          const tasks = await fleet.loadTasks({ envKey: 'helpdesk' });
          self.postMessage({ ok: true, count: tasks.length });
        } catch (e) { self.postMessage({ ok: false, error: String(e) }); }
      };`;
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), { type: 'module' });
    return new Promise((resolve) => { worker.onmessage = (e) => resolve(e.data); worker.postMessage(token); });
  }, server.baseUrl);
  assert.deepEqual(result, { ok: true, count: 8 });
  assert.ok(readFileSync(join(shots, '05-dashboard.png')).length > 1000);
});
