// The published `.d.ts` must type-check with `tsc --strict --noEmit` and `skipLibCheck: false`,
// both in a DOM-only project (no @types/node) and in a Node-only project (no DOM lib).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/server.mjs';
import { installPacked } from '../support/packed.mjs';

const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
let project;

before(() => {
  ({ project } = installPacked());
});

const usage = `
import { Fleet, AuthenticationError, ValidationError, type Env, type MakeOptions, type VerificationResult } from 'flotilla';

export async function run(apiKey: string): Promise<number> {
  const fleet = new Fleet({ apiKey, baseUrl: 'http://127.0.0.1:8700', maxRetries: 2, timeoutMs: 10_000 });
  const options: MakeOptions = { envKey: 'helpdesk', ttlSeconds: 600, heartbeatInterval: 30, runId: 'r' };
  const [task] = await fleet.loadTasks({ keys: ['helpdesk-close-printer'], envKey: 'helpdesk' });
  const env: Env = await fleet.make(options, { signal: new AbortController().signal });
  env.on('beat', (event) => { if ('success' in event) void event.deadlineTimestamp; else void event.code; });
  const rows = await env.db().query('SELECT ? AS x', [1]);
  const count: number = rows.rows?.length ?? 0;
  const result: VerificationResult = await task.verifyDetailed(env, { finalAnswer: '5' });
  const limit: number = (await fleet.account()).instanceLimit;
  try {
    await env.close();
  } catch (e) {
    if (e instanceof AuthenticationError || e instanceof ValidationError) return e.status ?? 0;
  }
  const urls = env.urls;
  return count + limit + (result.success ? 1 : 0) + (urls?.app.length ?? 0);
}
`;

function check(name, compilerOptions, extraFiles = {}) {
  const dir = join(project, name);
  mkdirSync(dir, { recursive: true });
  cpSync(join(project, 'node_modules'), join(dir, 'node_modules'), { recursive: true });
  writeFileSync(join(dir, 'usage.ts'), usage);
  for (const [file, text] of Object.entries(extraFiles)) writeFileSync(join(dir, file), text);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', ...compilerOptions },
    include: ['*.ts'],
  }));
  try {
    execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
  } catch (e) {
    assert.fail(`tsc failed in the ${name} project:\n${e.stdout}${e.stderr}`);
  }
}

test('the declarations pass tsc --strict in a DOM-only project', () => {
  check('dom-only', { lib: ['ES2022', 'DOM', 'ESNext.Disposable'], types: [] });
});

test('the declarations pass tsc --strict in a Node-only project', () => {
  mkdirSync(join(project, 'node_modules', '@types'), { recursive: true });
  cpSync(join(repoRoot, 'node_modules', '@types', 'node'), join(project, 'node_modules', '@types', 'node'), { recursive: true });
  cpSync(join(repoRoot, 'node_modules', 'undici-types'), join(project, 'node_modules', 'undici-types'), { recursive: true });
  check('node-only', { lib: ['ES2022', 'ESNext.Disposable'], types: ['node'] });
});

test('no `any` in the public declarations', () => {
  for (const file of ['js/index.d.ts', 'js/errors.d.ts', 'dist/node/flotilla.d.ts']) {
    const text = readFileSync(join(project, 'node_modules', 'flotilla', file), 'utf8');
    assert.equal(/\bany\b/.test(text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')), false, `${file} mentions any`);
  }
});
