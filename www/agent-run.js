// The agent side of the playground: put an agent on the selected task and watch it work. The agent
// runs in a Web Worker (agent-worker.js) through `evaluate()`; each step it logs to its session
// shows here as it happens (the event stream's `session.updated`, then the transcript), the app
// beside it reloads after each tool call that changes something, and the verdict ends the run.
// Every run is a session in the job named in the form (by default "playground <today>"), so it
// is on the Jobs pages with its transcript and score, and can be compared.
import { $, h } from './dom.js';
import { renderTranscript, verifierBlock } from './transcript.js';

/** Tool names that only read: a call to any other tool reloads the app afterwards. */
const READS = /^(list|get|search|describe|count|read|find|show)_/;

/** A model provider's base URL: absolute http(s), and not this server (the key must not come here). */
function isProviderUrl(text) {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin !== location.origin;
  } catch {
    return false;
  }
}

/** `playground 2026-11-23`, the reader's own date. */
const today = () => `playground ${new Date().toLocaleDateString('sv')}`;

/** The id of the job named `name`: the newest one by that name, else a new one. */
async function jobNamed(fleet, name) {
  const jobs = await fleet.listJobs();
  const found = jobs.filter((j) => j.name === name).sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)))[0];
  return found?.id ?? fleet.job(name);
}

export function startAgentRuns(fleet, live, showError, { token, currentTask, showApp }) {
  let worker = null;
  let run = null; // { taskKey, jobId, sessionId, seen, instanceId, ended }
  let stopAsked = false; // Stop pressed before the worker was there: the run does not start
  let cutOff = null; // the timer that cuts off a worker that does not hear Stop
  let pauseAsked = false; // Pause pressed before the worker was there: sent when it is
  const status = (text) => { $('agent-status').textContent = text; };
  const buttons = (state) => {
    $('agent-run').disabled = state === 'running' || state === 'paused';
    $('agent-pause').hidden = state !== 'running';
    $('agent-resume').hidden = state !== 'paused';
    $('agent-step').hidden = state !== 'paused';
    $('agent-stop').hidden = state !== 'running' && state !== 'paused';
    $('agent-rerun').hidden = state !== 'ended';
  };
  buttons('idle');

  const agentKind = () => $('agent-kind').value;
  const showFields = () => {
    const kind = agentKind();
    $('agent-model-fields').hidden = kind !== 'openai' && kind !== 'anthropic';
    $('agent-url-field').hidden = kind !== 'url';
  };
  $('agent-kind').addEventListener('change', showFields);
  showFields();

  // One transcript fetch at a time; events that come meanwhile make one more afterwards, so an
  // older answer never overwrites a newer one.
  let fetching = null;
  let again = false;
  function refresh() {
    if (fetching) {
      again = true;
      return fetching;
    }
    fetching = show().finally(() => {
      fetching = null;
      if (again) {
        again = false;
        refresh().catch(showError);
      }
    });
    return fetching;
  }

  /** Shows the transcript so far, and reloads the app after a tool that changed something. */
  async function show() {
    if (!run?.sessionId) return;
    const transcript = await fleet.getSessionTranscript(run.sessionId).catch(() => null);
    if (!transcript || !run) return;
    const messages = transcript.transcript;
    renderTranscript($('agent-steps'), $('agent-verdict'), { ...transcript, verifierExecution: null });
    const fresh = messages.slice(run.seen);
    run.seen = messages.length;
    const calls = new Map();
    for (const m of messages) for (const c of m.toolCalls ?? []) calls.set(c.id, c.function?.name ?? c.name);
    const changed = fresh.some((m) => m.role === 'tool' && !READS.test(calls.get(m.toolCallId) ?? ''));
    if (changed) showApp.reload();
    $('agent-steps').lastElementChild?.scrollIntoView({ block: 'nearest' });
  }

  live.subscribe((event) => {
    if (run?.sessionId && event.sessionId === run.sessionId && event.type.startsWith('session.')) refresh().catch(showError);
  });

  async function finish({ result, jobId, aborted }) {
    await refresh();
    const transcript = run?.sessionId ? await fleet.getSessionTranscript(run.sessionId).catch(() => null) : null;
    const verdict = $('agent-verdict');
    if (transcript?.verifierExecution) verdict.replaceChildren(verifierBlock(transcript.verifierExecution));
    else verdict.replaceChildren(h('div', { className: 'verifier fail' }, result?.error ?? (aborted ? 'Stopped.' : 'Not verified.')));
    const link = run?.sessionId ? `#job/${encodeURIComponent(jobId)}/session/${encodeURIComponent(run.sessionId)}` : `#job/${encodeURIComponent(jobId)}`;
    verdict.append(h('p', {}, h('a', { href: link, id: 'agent-job-link' }, 'Open this run in its job')));
    if (run) run.ended = true; // evaluate() closed the env itself
    stopWorker(aborted ? 'stopped' : result?.passed ? `passed (score ${result.score})` : `done (score ${result?.score ?? '-'})`);
  }

  /** The agent the form describes, or null (with the reason shown). */
  function agentFromForm() {
    const kind = agentKind();
    const spec = { kind };
    if (kind === 'openai' || kind === 'anthropic') {
      spec.apiKey = $('agent-key').value.trim();
      spec.model = $('agent-model').value.trim();
      spec.baseUrl = $('agent-base-url').value.trim();
      if (spec.baseUrl && !isProviderUrl(spec.baseUrl)) {
        showError(new Error('The API base URL must be a full http(s) URL of the provider, not this server.'));
        return null;
      }
      if (!spec.apiKey) {
        showError(new Error('Paste a model API key first (it stays in this tab).'));
        return null;
      }
    }
    if (kind === 'url') {
      spec.url = $('agent-url').value.trim();
      if (!spec.url) {
        showError(new Error('Give the URL of an ES module whose default export is the agent.'));
        return null;
      }
    }
    return spec;
  }

  let last = null; // { task, spec }: what "Run again" runs

  async function start(again = false) {
    const task = again ? last?.task : currentTask();
    const spec = again ? last?.spec : agentFromForm();
    if (!task || !spec) return;
    last = { task, spec };
    buttons('running');
    pauseAsked = $('agent-start-paused').checked;
    stopAsked = false;
    status('starting…');
    $('agent-steps').replaceChildren();
    $('agent-verdict').replaceChildren();
    try {
      const name = $('agent-job').value.trim().slice(0, 200) || today();
      const jobId = await jobNamed(fleet, name);
      run = { taskKey: task.key, jobId, sessionId: null, seen: 0, instanceId: null, ended: false };
      if (stopAsked) {
        stopWorker('stopped before it started');
        return;
      }
      // A user's own module gets the worker whose content policy lets it import from elsewhere.
      const script = spec.kind === 'url' ? '/www/agent-worker-url.js' : '/www/agent-worker.js';
      worker = new Worker(script, { type: 'module' });
      worker.onmessage = ({ data }) => {
        switch (data.type) {
          case 'started': run.instanceId = data.instanceId; status('running'); showApp.show(data.instanceId, data.appUrl); break;
          case 'logged':
            if (run && !run.sessionId) { run.sessionId = data.sessionId; refresh().catch(showError); }
            break;
          case 'paused': status('paused'); buttons('paused'); break;
          case 'resumed': status('running'); buttons('running'); break;
          case 'stopping': clearTimeout(cutOff); break;
          case 'done': finish(data).catch(showError); break;
          case 'failed': showError(new Error(data.message)); stopWorker('failed'); break;
          default:
        }
      };
      worker.onerror = (event) => { showError(new Error(event.message || 'the agent worker failed')); stopWorker('failed'); };
      worker.postMessage({ type: 'run', token, baseUrl: location.origin, taskKey: task.key, jobId, agent: spec });
      if (pauseAsked) worker.postMessage({ type: 'pause' });
    } catch (error) {
      buttons('idle');
      showError(error);
    }
  }

  /** Ends the run on the page. A worker that did not finish its run (it failed, hung, or was
   * cut off) leaves its env to the page: closed here (its session, if any, stays as it was). */
  function stopWorker(text) {
    clearTimeout(cutOff);
    if (run?.jobId && !$('agent-job-link')) {
      const verdict = $('agent-verdict');
      verdict.append(h('p', {}, h('a', { href: `#job/${encodeURIComponent(run.jobId)}`, id: 'agent-job-link' }, 'Open the job')));
    }
    status(text);
    buttons('ended');
    showApp.done();
    worker?.terminate();
    worker = null;
    if (run?.instanceId && !run.ended) fleet.close(run.instanceId).catch(() => {});
    if (run) run.ended = true;
  }

  $('agent-run').addEventListener('click', () => start(false));
  $('agent-rerun').addEventListener('click', () => start(true));
  $('agent-pause').addEventListener('click', () => {
    pauseAsked = true;
    worker?.postMessage({ type: 'pause' });
    status('pausing after this step…');
  });
  $('agent-resume').addEventListener('click', () => { pauseAsked = false; worker?.postMessage({ type: 'resume' }); });
  $('agent-step').addEventListener('click', () => worker?.postMessage({ type: 'step' }));
  $('agent-stop').addEventListener('click', () => {
    stopAsked = true;
    status('stopping…');
    if (!worker) return;
    worker.postMessage({ type: 'stop' });
    // An agent that never yields (a busy loop) cannot see its signal: cut the worker off.
    const stopping = worker;
    cutOff = setTimeout(() => { if (worker === stopping) stopWorker('stopped (the agent did not answer Stop)'); }, 10_000);
  });
}
