#!/usr/bin/env node
// The `flotilla` command: record an evaluation, compare two. Talks to FLEET_BASE_URL with
// FLEET_API_KEY (flotilla-server or the Fleet service).
//
//   flotilla eval --agent ./my-agent.mjs [--env KEY[,KEY...] | --project KEY | --tasks a,b] [--model NAME]
//                 [--concurrency 4] [--pass-k 1] [--job-name NAME] [--task-timeout-ms MS] [--json]
//   flotilla compare BASELINE_JOB CANDIDATE_JOB [--confidence 0.95] [--max-drop 0] [--json]
//   flotilla tasks export FILE [--env KEY] [--project KEY]    (FILE "-" is stdout)
//   flotilla tasks import FILE [--project KEY]                (FILE "-" is stdin)
//
// Task files are fleet-python's format (`export_tasks` / `import_tasks`): a pack moves between
// the two clients unchanged. A bad file names the task and the field and imports nothing.
//
// Exit status: 0; 1 when `compare`'s verdict is `worse` or the pass rate dropped by more than
// --max-drop (a CI gate); 130 when `eval` was stopped (Ctrl-C); 2 for bad usage or a failed call
// (the reason on one line on stderr, then the usage for usage errors; no stack trace).
import { closeSync, openSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { Fleet } from './node.mjs';
import { pct, taskChange, summary, verdict, links } from './report.mjs';

const USAGE = `usage:
  flotilla eval --agent ./agent.mjs [--env KEY[,KEY...] | --project KEY | --tasks a,b] [--model NAME]
                [--concurrency 4] [--pass-k 1] [--job-name NAME] [--task-timeout-ms MS] [--json]
  flotilla compare BASELINE_JOB CANDIDATE_JOB [--confidence 0.95] [--max-drop 0] [--json]
  flotilla tasks export FILE [--env KEY] [--project KEY]
  flotilla tasks import FILE [--project KEY]`;

class UsageError extends Error {}

function number(value, name, { integer = false, min = -Infinity, max = Infinity } = {}) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new UsageError(`--${name} must be a ${integer ? 'whole ' : ''}number${min > -Infinity ? ` from ${min}` : ''}${max < Infinity ? ` to ${max}` : ''}, got "${value}"`);
  }
  return n;
}

const pad = (s, n) => String(s).padEnd(n);

/** The dashboard of a flotilla-server (the Fleet service has its own site, and no such page). */
function dashboard() {
  const base = (process.env.FLEET_BASE_URL ?? '').trim().replace(/\/+$/, '');
  try {
    return base && !/(^|\.)fleetai\.com$/.test(new URL(base).hostname) ? base : null;
  } catch {
    return null;
  }
}

function bar(done, total) {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
}

async function evalCommand(args) {
  const { values } = parseArgs({
    args, allowPositionals: false, strict: true,
    options: {
      agent: { type: 'string' }, env: { type: 'string' }, project: { type: 'string' }, tasks: { type: 'string' },
      model: { type: 'string' }, concurrency: { type: 'string' }, 'pass-k': { type: 'string' },
      'job-name': { type: 'string' }, 'task-timeout-ms': { type: 'string' }, json: { type: 'boolean' },
    },
  });
  if (!values.agent) throw new UsageError('eval needs --agent ./agent.mjs (a module whose default export is the agent)');
  let agent;
  try {
    agent = (await import(pathToFileURL(resolve(values.agent)).href)).default;
  } catch (error) {
    throw new UsageError(`cannot load the agent module ${values.agent}: ${error.message}`);
  }
  if (typeof agent !== 'function') throw new UsageError(`${values.agent} has no default export function (export default async function agent({ task, env, session, signal }) {...})`);
  const fleet = new Fleet();
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const tty = process.stderr.isTTY;
  // `--env a,b`: every task of each environment, in one job.
  const envs = values.env?.split(',').map((e) => e.trim()).filter(Boolean) ?? [];
  if (envs.length > 1 && (values.tasks || values.project)) throw new UsageError('--env with several environments takes no --tasks or --project');
  const tasks = envs.length > 1 ? (await Promise.all(envs.map((envKey) => fleet.loadTasks({ envKey })))).flat() : undefined;
  if (tasks && envs.some((e) => !tasks.some((t) => t.envId === e))) {
    throw new UsageError(`--env ${values.env}: no tasks for ${envs.filter((e) => !tasks.some((t) => t.envId === e)).join(', ')}`);
  }
  const result = await fleet.evaluate({
    agent, tasks,
    envKey: tasks ? undefined : values.env, projectKey: values.project,
    taskKeys: values.tasks?.split(',').map((t) => t.trim()).filter(Boolean),
    model: values.model ?? values.agent.replace(/^.*\//, '').replace(/\.m?js$/, ''),
    jobName: values['job-name'],
    concurrency: number(values.concurrency, 'concurrency', { integer: true, min: 1, max: 64 }),
    passK: number(values['pass-k'], 'pass-k', { integer: true, min: 1, max: 100 }),
    taskTimeoutMs: number(values['task-timeout-ms'], 'task-timeout-ms', { integer: true, min: 1 }),
    signal: controller.signal,
    onProgress: values.json ? undefined : (p) => process.stderr.write(tty ? `\r${bar(p.done, p.total)}` : `${bar(p.done, p.total)}\n`),
  });
  if (values.json) {
    console.log(JSON.stringify(result));
    return result.aborted ? 130 : 0;
  }
  if (tty) process.stderr.write('\n');
  const width = Math.max(4, ...result.results.map((r) => r.taskKey.length));
  console.log(`\n${pad('task', width)}  try  score  seconds  error`);
  console.log(`${'-'.repeat(width)}  ---  -----  -------  -----`);
  for (const r of result.results) {
    console.log(`${pad(r.taskKey, width)}  ${pad(r.attempt, 3)}  ${pad(r.score === null ? '-' : r.score.toFixed(2), 5)}  ${pad(r.seconds.toFixed(2), 7)}  ${r.error ?? ''}`);
  }
  const passed = result.results.filter((r) => r.passed).length;
  console.log(`\n${passed} / ${result.results.length} passed (${pct(result.passRate)})${result.aborted ? ', stopped early' : ''}`);
  console.log(`job ${result.jobId}`);
  if (dashboard()) console.log(`view: ${links.job(dashboard(), result.jobId)}`);
  return result.aborted ? 130 : 0;
}

async function compareCommand(args) {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: { confidence: { type: 'string' }, 'max-drop': { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length !== 2) throw new UsageError('compare needs two job ids: BASELINE_JOB CANDIDATE_JOB');
  const maxDrop = number(values['max-drop'], 'max-drop', { min: 0, max: 1 }) ?? 0;
  const confidence = number(values.confidence, 'confidence', { min: 0, max: 1 });
  if (confidence === 0 || confidence === 1) throw new UsageError('--confidence must be between 0 and 1, e.g. 0.95');
  const c = await new Fleet().compare(positionals[0], positionals[1], { confidence, maxDrop });
  const gate = c.gatePassed;
  if (values.json) {
    console.log(JSON.stringify(c));
    return gate ? 0 : 1;
  }
  const width = Math.max(4, ...c.tasks.map((t) => t.taskKey.length));
  console.log(`${pad('task', width)}  baseline  candidate  change  flipped`);
  console.log(`${'-'.repeat(width)}  --------  ---------  ------  -------`);
  for (const t of c.tasks) {
    console.log(`${pad(t.taskKey, width)}  ${pad(pct(t.baselinePassRate), 8)}  ${pad(pct(t.candidatePassRate), 9)}  ${pad(taskChange(t.change), 6)}  ${t.flipped ?? ''}`);
  }
  if (c.onlyInBaseline.length) console.log(`only in the baseline: ${c.onlyInBaseline.join(', ')}`);
  if (c.onlyInCandidate.length) console.log(`only in the candidate: ${c.onlyInCandidate.join(', ')}`);
  console.log(`\n${summary(c)}`);
  console.log(verdict(c));
  const asked = { confidence, maxDrop: values['max-drop'] === undefined ? undefined : maxDrop };
  if (dashboard()) console.log(`view: ${links.compare(dashboard(), c.baselineJobId, c.candidateJobId, asked)}`);
  return gate ? 0 : 1;
}

/** The largest task file read (a pack of 10,000 tasks is far smaller). */
const MAX_PACK_BYTES = 256 * 1024 * 1024;

/** A file (or stdin, fd 0) as text, refused past MAX_PACK_BYTES, whatever the file claims to be. */
function readCapped(path) {
  const fd = typeof path === 'number' ? path : openSync(path, 'r');
  const chunks = [];
  let total = 0;
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (;;) {
      let n;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (error) {
        if (error.code === 'EAGAIN') continue;
        throw error;
      }
      if (n === 0) break;
      total += n;
      if (total > MAX_PACK_BYTES) throw new Error(`larger than ${MAX_PACK_BYTES / 1024 / 1024} MiB`);
      chunks.push(Buffer.from(chunk.subarray(0, n)));
    }
  } finally {
    if (typeof path !== 'number') closeSync(fd);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function tasksCommand(args) {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true, options: { env: { type: 'string' }, project: { type: 'string' } },
  });
  const [action, file, ...extra] = positionals;
  if (!['export', 'import'].includes(action) || !file || extra.length) {
    throw new UsageError('tasks needs export FILE or import FILE');
  }
  const fleet = new Fleet();
  if (action === 'export') {
    const pack = await fleet.exportTasks({ envKey: values.env, projectKey: values.project });
    const text = `${JSON.stringify(pack, null, 2)}\n`;
    if (file === '-') process.stdout.write(text);
    else {
      // Written whole or not at all: a failed export leaves an older file as it was.
      const partial = `${file}.${process.pid}.partial`;
      try {
        writeFileSync(partial, text);
        renameSync(partial, file);
      } catch (error) {
        rmSync(partial, { force: true });
        throw new UsageError(`cannot write ${file}: ${error.message}`);
      }
      console.log(`exported ${pack.length} tasks to ${file}`);
    }
    return 0;
  }
  if (values.env) throw new UsageError('tasks import takes no --env (each task names its env_id)');
  let text;
  try {
    text = readCapped(file === '-' ? 0 : file);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${error.message}`);
  }
  const imported = await fleet.importTasks(text, { projectKey: values.project });
  console.log(`imported ${imported.length} tasks${values.project ? ` into project ${values.project}` : ''}`);
  return 0;
}

const [command, ...rest] = process.argv.slice(2);
try {
  let status;
  if (command === 'eval') status = await evalCommand(rest);
  else if (command === 'compare') status = await compareCommand(rest);
  else if (command === 'tasks') status = await tasksCommand(rest);
  else throw new UsageError(command ? `unknown command "${command}"` : 'no command');
  process.exit(status);
} catch (error) {
  const message = error instanceof UsageError || error?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || error?.code?.startsWith?.('ERR_PARSE_ARGS')
    ? `flotilla: ${error.message}\n${USAGE}`
    : `flotilla: ${error?.name ?? 'Error'}: ${error?.message ?? error}`;
  console.error(message);
  process.exit(2);
}
