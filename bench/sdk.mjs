// SDK benchmark: figures, not assertions. Each figure has a baseline measured in the same run.
//   1. sequential heartbeats: flotilla vs raw fetch (same process, same server)
//   2. make -> heartbeat -> close, concurrency 32: flotilla vs fleet-python 0.2.133 async
//   3. cold import + init of the package in Node vs an empty Node start
//   4. 10,000 envs on the heartbeat scheduler (1 s interval, an injected fetch): CPU and RSS vs
//      the naive design, one setInterval per env calling env.heartbeat()
//   npm run bench
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { startServer, repoRoot } from '../tests/support/server.mjs';
import { recordSection } from './record.mjs';

const require = createRequire(import.meta.url);
const { Fleet } = require('../js/node.cjs');
const BEATS = Number(process.env.BENCH_BEATS ?? 2000);
const CYCLES = Number(process.env.BENCH_CYCLES ?? 200);
const ENVS = Number(process.env.BENCH_ENVS ?? 10000);
const venvPython = join(process.env.FLOTILLA_VENV ?? join(process.env.HOME, '.cache/flotilla/venv'), 'bin/python');

const key = 'flt_bench_sdk';
const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-bench-sdk-'));
const server = await startServer({ dataDir, keys: [{ key, team_id: 'b', team_name: 'B', profile_id: 'p', profile_name: 'p', instance_limit: 5000 }] });
const fleet = new Fleet({ apiKey: key, baseUrl: server.baseUrl });
const time = async (fn) => { const t = performance.now(); await fn(); return performance.now() - t; };
const rows = [];
const f = (x, d = 2) => x.toFixed(d);

// 1. Sequential heartbeats. The baseline sends the very request the SDK sends (the protocol's
// headers, a fresh request id, the same body) with a bare fetch and reads the JSON, so the ratio
// is what the SDK adds on top: argument and answer conversion, the timeout, the abort plumbing.
// The two alternate in rounds, so that drift on a noisy machine hits both alike.
const env = await fleet.make({ envKey: 'helpdesk', heartbeatInterval: 3600, autoHeartbeat: false });
const url = `${server.baseUrl}/v1/env/instances/${env.instanceId}/heartbeat`;
const { version: sdkVersion } = require('../package.json');
const raw = () => fetch(url, {
  method: 'POST',
  headers: {
    'X-Fleet-SDK-Language': 'JavaScript', 'X-Fleet-SDK-Version': sdkVersion, Authorization: `Bearer ${key}`,
    'X-Request-ID': crypto.randomUUID(), 'X-Request-Timestamp': String(Date.now()), 'Content-Type': 'application/json',
  },
  body: '{}',
}).then((r) => r.json());
for (let i = 0; i < 200; i++) { await raw(); await env.heartbeat(); }
const BEAT_ROUNDS = 10;
let rawMs = 0; let sdkMs = 0;
for (let round = 0; round < BEAT_ROUNDS; round++) {
  const n = BEATS / BEAT_ROUNDS;
  rawMs += await time(async () => { for (let i = 0; i < n; i++) await raw(); });
  sdkMs += await time(async () => { for (let i = 0; i < n; i++) await env.heartbeat(); });
}
rows.push([`${BEATS} sequential heartbeats (ms)`, f(sdkMs, 0), `raw fetch, same request: ${f(rawMs, 0)}`, f(sdkMs / rawMs)]);
await env.close();
if (process.env.BENCH_QUICK) {
  console.log(rows.map((r) => r.join(' | ')).join('\n'));
  await server.stop();
  process.exit(0);
}

// 2. make -> heartbeat -> close, concurrency 32.
async function cycleFlotilla() {
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next++ < CYCLES) {
      const e = await fleet.make({ envKey: 'helpdesk', autoHeartbeat: false, heartbeatInterval: 60 });
      await e.heartbeat();
      await e.close();
    }
  }));
}
const python = `
import asyncio, os, time
from fleet._async.client import AsyncFleet
async def main():
    client = AsyncFleet(api_key=os.environ["KEY"], base_url=os.environ["BASE"])
    gate = asyncio.Semaphore(32)
    async def one():
        async with gate:
            env = await client.make("helpdesk", heartbeat_interval=60)
            await client.heartbeat(env.instance_id)
            await client.close(env.instance_id)
    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(int(os.environ["N"]))))
    print((time.perf_counter() - start) * 1000)
asyncio.run(main())
`;
const flotillaCycleMs = await time(cycleFlotilla);
const py = spawnSync(venvPython, ['-c', python], { env: { ...process.env, KEY: key, BASE: server.baseUrl, N: String(CYCLES) }, encoding: 'utf8' });
const pythonMs = Number(py.stdout.trim());
rows.push([`${CYCLES} x make->heartbeat->close, concurrency 32 (ms)`, f(flotillaCycleMs, 0), `fleet-python async: ${Number.isFinite(pythonMs) ? f(pythonMs, 0) : 'failed: ' + py.stderr.slice(-200)}`, f(flotillaCycleMs / pythonMs)]);
await server.stop();

// 3. Cold import + init.
const coldRuns = 10;
const cold = (code) => { const t = performance.now(); execFileSync(process.execPath, ['-e', code], { cwd: repoRoot }); return performance.now() - t; };
let emptyMs = 0; let importMs = 0;
for (let i = 0; i < coldRuns; i++) {
  emptyMs += cold('');
  importMs += cold("const { Fleet } = require('./js/node.cjs'); new Fleet({ apiKey: 'k', baseUrl: 'http://127.0.0.1:1' });");
}
rows.push(['cold start: node + require + new Fleet (ms, mean of 10)', f(importMs / coldRuns, 1), `empty node: ${f(emptyMs / coldRuns, 1)}`, f(importMs / emptyMs)]);
rows.push(['  of which flotilla (ms)', f((importMs - emptyMs) / coldRuns, 1), '-', '-']);

// 4. Scheduler load: 10,000 envs with a 1 s interval against an instant, injected fetch. The
// modes alternate over ROUNDS processes each and the median of each figure is kept: one run's CPU
// share swings by a third on this machine.
const ROUNDS = 3;
const loadOf = (mode) => {
  const run = spawnSync(process.execPath, [join(repoRoot, 'bench', 'scheduler-load.cjs'), String(ENVS), mode], { encoding: 'utf8' });
  try { return JSON.parse(run.stdout); } catch { return { error: run.stderr.slice(-300) || 'no output' }; }
};
const rounds = { flotilla: [], naive: [] };
for (let i = 0; i < ROUNDS; i++) {
  rounds.flotilla.push(loadOf('scheduler'));
  rounds.naive.push(loadOf('interval'));
}
const failures = [...rounds.flotilla, ...rounds.naive].filter((r) => r.error).map((r) => r.error);
const median = (runs, key) => runs.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
if (failures.length === 0) {
  const figure = (label, key, digits, per = (runs) => median(runs, key)) => {
    const [mine, theirs] = [per(rounds.flotilla), per(rounds.naive)];
    rows.push([label, f(mine, digits), `setInterval per env: ${f(theirs, digits)}`, f(mine / theirs)]);
  };
  const cpuPerThousandBeats = (runs) => median(runs.map((r) => ({ v: (r.cpu * 10) / r.beatsPerSecond * 1000 })), 'v');
  figure(`${ENVS} envs beating every 1 s: CPU (% of a core, median of ${ROUNDS})`, 'cpu', 1);
  figure(`${ENVS} envs: CPU per 1000 beats (ms)`, null, 1, cpuPerThousandBeats);
  figure(`${ENVS} envs: RSS growth (MiB)`, 'rssMiB', 1);
  figure(`${ENVS} envs: beats per second delivered`, 'beatsPerSecond', 0);
} else {
  rows.push(['scheduler load', 'failed', failures.join(' ').slice(-200), '-']);
}

const table = ['| figure | flotilla | baseline | ratio |', '|---|---:|---:|---:|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
console.log(table);
recordSection(repoRoot, 'sdk', `## SDK (\`npm run bench\`)\n\n${table}\n\nMeasured ${new Date().toISOString()} on this machine (Node ${process.version}). Ratios are the result; absolute times are only context on a noisy 2-core machine where the server, the client and the baseline share the cores.\n`);
