// Measures N envs beating every second against an instant injected fetch, in one of two modes:
//   scheduler: flotilla's loop (one armed timer for all envs);
//   interval:  the naive design, one setInterval per env calling env.heartbeat().
// Run once per mode, each in its own process. Prints JSON.
const { Fleet } = require('../js/node.cjs');

const N = Number(process.argv[2] ?? 10000);
const MODE = process.argv[3] ?? 'scheduler';
const instance = (id) => ({
  instance_id: id, env_key: 'helpdesk', version: 'v1', status: 'running', subdomain: id, created_at: 'c', updated_at: 'u',
  team_id: 't', region: 'local', heartbeat_interval: 1,
});
let beats = 0;
const respond = (body) => Promise.resolve({ status: 200, headers: { get: () => null }, text: () => Promise.resolve(body) });
const fakeFetch = (url) => {
  const id = url.split('/instances/')[1].split('/')[0];
  if (url.endsWith('/heartbeat')) {
    beats += 1;
    return respond(`{"success":true,"instance_id":"${id}","interval_seconds":1}`);
  }
  return respond(JSON.stringify(instance(id)));
};

async function measure(start, seconds = 5) {
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const stop = await start();
  await new Promise((r) => setTimeout(r, 1500)); // settle
  beats = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  const result = { cpu: ((cpu.user + cpu.system) / 1000 / wall) * 100, rssMiB: (process.memoryUsage().rss - rss0) / 1048576, beatsPerSecond: beats / (wall / 1000) };
  await stop();
  return result;
}

(async () => {
  const fleet = new Fleet({ apiKey: 'bench-key', baseUrl: 'http://bench.invalid', fetch: fakeFetch });
  const result = await measure(async () => {
    const envs = [];
    for (let i = 0; i < N; i++) envs.push(await fleet.instance(`inst_${i}`, { keepProcessAlive: true, autoHeartbeat: MODE === 'scheduler' }));
    if (MODE === 'scheduler') return async () => envs.forEach((e) => e.stopHeartbeat());
    const timers = envs.map((e) => setInterval(() => e.heartbeat(), 1000));
    return async () => timers.forEach(clearInterval);
  });
  console.log(JSON.stringify(result));
  process.exit(0);
})();
