// Verification benchmark: figures, not assertions. A demo task's verifyDetailed, end to end
// (client -> server -> a warm sandboxed worker -> the manager API -> back), sequentially, against
// fleet-python 0.2.133's verify_detailed on the same server in the same run.
//   npm run bench:verify
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { startServer, repoRoot } from '../tests/support/server.mjs';
import { recordSection } from './record.mjs';

const require = createRequire(import.meta.url);
const { Fleet } = require('../js/node.cjs');
const RUNS = Number(process.env.BENCH_VERIFY_RUNS ?? 60);
const TASK = 'helpdesk-close-printer';
const venvPython = join(process.env.FLOTILLA_VENV ?? join(process.env.HOME, '.cache/flotilla/venv'), 'bin/python');
const key = 'flt_bench_verify';
const server = await startServer({
  dataDir: mkdtempSync(join(tmpdir(), 'flotilla-bench-verify-')),
  keys: [{ key, team_id: 'v', team_name: 'V', profile_id: 'p', profile_name: 'p', instance_limit: 10 }],
  args: ['--sandbox', 'bwrap'],
});
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

const fleet = new Fleet({ apiKey: key, baseUrl: server.baseUrl });
const [task] = await fleet.loadTasks({ keys: [TASK] });
const env = await fleet.make({ envKey: 'helpdesk', heartbeatInterval: 3600, autoHeartbeat: false });
await env.db().exec("UPDATE tickets SET status = 'closed' WHERE id = 2");
const sdkMs = [];
for (let i = 0; i < RUNS + 5; i++) {
  const t = performance.now();
  const detailed = await task.verifyDetailed(env);
  if (i >= 5) sdkMs.push(performance.now() - t); // the first runs upload the bundle and warm the pool
  if (detailed.result !== 1) throw new Error(`the task should pass: ${JSON.stringify(detailed)}`);
}
await env.close();

const python = `
import os, time
from fleet import Fleet
client = Fleet(api_key=os.environ["KEY"], base_url=os.environ["BASE"])
task = next(t for t in client.load_tasks(env_key="helpdesk") if t.key == os.environ["TASK"])
env = client.make("helpdesk")
env.resources()  # fleet-python reads the resource list before env.db()
env.db().exec("UPDATE tickets SET status = 'closed' WHERE id = 2")
times = []
for i in range(int(os.environ["N"]) + 5):
    start = time.perf_counter()
    result = task.verify_detailed(env)
    if i >= 5:
        times.append((time.perf_counter() - start) * 1000)
    assert result.result == 1, result
env.close()
print(" ".join(f"{t:.3f}" for t in times))
`;
const py = spawnSync(venvPython, ['-c', python], {
  env: { ...process.env, KEY: key, BASE: server.baseUrl, TASK, N: String(RUNS), RUNNER_AUTH_TOKEN: '' },
  encoding: 'utf8',
});
const pyMs = py.stdout.trim().split(/\s+/).filter(Boolean).map(Number).filter(Number.isFinite);
if (!pyMs.length) console.error(py.stderr.slice(-2000));
await server.stop();

const f = (x) => x.toFixed(1);
const rows = [['figure', 'flotilla SDK', 'fleet-python verify_detailed', 'ratio'], ['---', '---:', '---:', '---:']];
for (const [label, p] of [['p50', 0.5], ['p90', 0.9]]) {
  const ours = percentile(sdkMs, p);
  const theirs = pyMs.length ? percentile(pyMs, p) : NaN;
  const baseline = pyMs.length ? f(theirs) : `failed: ${py.stderr.slice(-200)}`;
  rows.push([`verifyDetailed, ${label} (ms, ${RUNS} sequential runs)`, f(ours), baseline, (ours / theirs).toFixed(2)]);
}
const table = rows.map((r) => `| ${r.join(' | ')} |`).join('\n');
console.log(table);
recordSection(repoRoot, 'verify', `## Verification (\`npm run bench:verify\`)

${table}

Measured ${new Date().toISOString()} on this machine (Node ${process.version}), task \`${TASK}\`, one instance, after 5 warm-up runs each. Both clients call the same flotilla-server, whose verifiers run on warm workers in a bubblewrap sandbox; the ratio is the result, absolute times are only context on a noisy 2-core machine.`);
