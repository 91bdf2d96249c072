// flotilla-server benchmark: figures, not assertions. Every figure is printed next to a
// baseline measured in the same run against the same server (GET /health: the cost of one
// authenticated-free round trip through Node's fetch and the server's HTTP stack).
//
//   npm run bench:server            (N=1000 live instances by default; BENCH_INSTANCES to change)
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, repoRoot } from '../tests/support/server.mjs';
import { recordSection } from './record.mjs';

const N = Number(process.env.BENCH_INSTANCES ?? 1000);
const BEATS = Number(process.env.BENCH_HEARTBEATS ?? 20000);
const CONCURRENCY = 32;

const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-bench-'));
const apiKey = 'flt_bench_key';
writeFileSync(join(dataDir, 'api-keys.json'), JSON.stringify({ keys: [{
  key: apiKey, team_id: 'bench', team_name: 'Bench', profile_id: 'p', profile_name: 'p', instance_limit: N + 10,
}] }));
const server = await startServer({ dataDir });
const headers = { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' };
const url = (path) => `${server.baseUrl}${path}`;

const percentile = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const rssKiB = () => Number(readFileSync(`/proc/${server.process.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);
// Server CPU time (user + system) in ms, from /proc (clock ticks of 10 ms).
const cpuMs = () => { const f = readFileSync(`/proc/${server.process.pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
async function timed(fn) { const t = performance.now(); await fn(); return performance.now() - t; }
async function pool(count, work) {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (next < count) await work(next++); }));
}

// Warm up both paths.
for (let i = 0; i < 50; i++) await (await fetch(url('/health'))).json();

const healthLatency = [];
for (let i = 0; i < N; i++) healthLatency.push(await timed(async () => (await fetch(url('/health'))).json()));

const rssBefore = rssKiB();
const ids = [];
const createLatency = [];
for (let i = 0; i < N; i++) {
  createLatency.push(await timed(async () => {
    const r = await fetch(url('/v1/env/instances'), { method: 'POST', headers,
      body: JSON.stringify({ env_key: 'helpdesk', heartbeat_interval: 3600, created_from: 'sdk', max_wait_seconds: 60 }) });
    const body = await r.json();
    if (body.status !== 'running') throw new Error(`create ${i}: ${JSON.stringify(body)}`);
    ids.push(body.instance_id);
  }));
}
const rssAfter = rssKiB();

let cpu = cpuMs();
const healthWall = await timed(() => pool(BEATS, async () => (await fetch(url('/health'))).json()));
const healthCpu = cpuMs() - cpu;
cpu = cpuMs();
const beatWall = await timed(() => pool(BEATS, async (i) => {
  const r = await fetch(url(`/v1/env/instances/${ids[i % ids.length]}/heartbeat`), { method: 'POST', headers, body: '{}' });
  if (!(await r.json()).success) throw new Error('heartbeat failed');
}));
const beatCpu = cpuMs() - cpu;

await fetch(url('/v1/env/instances/batch?profile_id=self'), { method: 'DELETE', headers });
await server.stop();

const f = (x) => x.toFixed(2);
const rows = [
  ['create -> running, p50 (ms)', f(percentile(createLatency, 0.5)), f(percentile(healthLatency, 0.5)), f(percentile(createLatency, 0.5) / percentile(healthLatency, 0.5))],
  ['create -> running, p99 (ms)', f(percentile(createLatency, 0.99)), f(percentile(healthLatency, 0.99)), f(percentile(createLatency, 0.99) / percentile(healthLatency, 0.99))],
  [`heartbeats/s (concurrency ${CONCURRENCY})`, (BEATS / beatWall * 1000).toFixed(0), (BEATS / healthWall * 1000).toFixed(0), f(healthWall / beatWall)],
  ['server CPU per request (µs)', f(beatCpu * 1000 / BEATS), f(healthCpu * 1000 / BEATS), f(beatCpu / healthCpu)],
  ['heartbeats/s one server core could serve (1 / CPU per request)', (BEATS / beatCpu * 1000).toFixed(0), (BEATS / healthCpu * 1000).toFixed(0), f(healthCpu / beatCpu)],
  [`server RSS per live instance (KiB, ${N} live)`, f((rssAfter - rssBefore) / N), '-', '-'],
];
const table = [
  '| figure | flotilla-server | baseline: GET /health | ratio |',
  '|---|---:|---:|---:|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
console.log(table);
const note = `\n\nMeasured ${new Date().toISOString()} on this machine (${process.platform}, Node ${process.version}), ${N} live instances, ` +
  `${BEATS} heartbeats. The load generator (Node fetch) shares the 2 cores with the server, so wall-clock throughput is bounded by the client; the CPU rows show the server's own cost. The baseline is the same request count against GET /health in the same run; ratios are the result, absolute times are only context on a noisy machine.\n`;
recordSection(repoRoot, 'server', `## flotilla-server (\`npm run bench:server\`)\n\n${table}${note}`);
