// The playground's agent runner: a module Web Worker (so the page stays responsive while an agent
// thinks) that runs one agent on one task through the SDK's `evaluate()`, the harness `flotilla
// eval` uses: a fresh env, a session in the given job, the agent, the verifier, the env closed.
//
// Page -> worker: { type: 'run', token, baseUrl, taskKey, jobId, agent: { kind, url, apiKey, model,
//   baseUrl } } · { type: 'pause' } (after the current step) · { type: 'step' } (one more step,
//   then pause again) · { type: 'resume' } · { type: 'stop' }.
// Worker -> page: started { instanceId, appUrl } · logged { sessionId } · paused · resumed ·
//   stopping · done { result, jobId, aborted } · failed { message }.
//
// A pasted model key stays in this worker's memory: it goes to the model's provider and nowhere
// else. It is never posted back, never stored, and never sent to flotilla-server.
import { init, Fleet } from '/sdk/js/web.mjs';

const post = (type, fields = {}) => self.postMessage({ type, ...fields });
const controller = new AbortController(); // one worker per run
let pauseWanted = false;
let release = null;

/** Resolves at once, or when the page resumes (or stops) a paused run. */
function checkpoint() {
  if (!pauseWanted) return Promise.resolve();
  post('paused');
  return new Promise((resolve) => { release = resolve; });
}

/** The session, with each `log` (one step) followed by the pause checkpoint, and the pasted key
 * taken out of whatever is logged (a provider or model may echo it). */
function pausable(session, key) {
  const clean = (value) => (value === undefined ? value : JSON.parse(redact(JSON.stringify(value), key)));
  return new Proxy(session, {
    get(target, name) {
      const value = Reflect.get(target, name);
      if (name !== 'log') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args) => {
        const logged = await target.log(...args.map(clean));
        post('logged', { sessionId: target.sessionId });
        await checkpoint();
        // Stopped while paused: the agent does not take another step.
        if (controller.signal.aborted) throw new DOMException('the run was stopped', 'AbortError');
        return logged;
      };
    },
  });
}

async function loadAgent(spec) {
  if (spec.kind === 'scripted') return (await import('/examples/agents/scripted.mjs')).default;
  if (spec.kind === 'openai' || spec.kind === 'anthropic') {
    const { createAgent } = await import(`/www/agents/${spec.kind}.js`);
    return createAgent({ apiKey: spec.apiKey, model: spec.model || undefined, baseUrl: spec.baseUrl || undefined });
  }
  if (spec.kind === 'url') {
    if (!self.location.pathname.endsWith('agent-worker-url.js')) throw new Error('a module agent runs in agent-worker-url.js');
    const agent = (await import(spec.url)).default;
    if (typeof agent !== 'function') throw new Error(`${spec.url} has no default export function`);
    return agent;
  }
  throw new Error(`unknown agent kind ${spec.kind}`);
}

/** The session's model: the provider and model, or the agent module's address (no query). */
function modelOf(spec) {
  if (spec.kind === 'url') {
    const url = new URL(spec.url, self.location.href);
    return `${url.origin}${url.pathname}`;
  }
  if (spec.kind === 'scripted') return 'scripted';
  return `${spec.kind}:${spec.model || 'default'}`;
}

/** The pasted key, wherever an error quotes it (a provider may echo it), replaced. */
const redact = (text, key) => (key && key.length >= 4 ? String(text).split(key).join('[redacted]') : String(text));

/** A paused run is waited for by a person: its time limit is generous. */
const PLAYGROUND_TASK_TIMEOUT_MS = 6 * 60 * 60 * 1000;

async function run({ token, baseUrl, taskKey, jobId, agent: spec }) {
  await init();
  const fleet = new Fleet({ apiKey: token, baseUrl });
  const agent = await loadAgent(spec);
  const watched = async (attempt) => {
    post('started', { instanceId: attempt.env.instanceId, appUrl: attempt.env.urls?.app?.[0] ?? null });
    try {
      return await agent({ ...attempt, session: pausable(attempt.session, spec.apiKey) });
    } catch (error) {
      // What the agent threw becomes the session's error on the server: never with the key.
      const clean = new Error(redact(error?.message ?? error, spec.apiKey));
      clean.name = error?.name ?? 'Error';
      throw clean;
    }
  };
  const evaluation = await fleet.evaluate({
    agent: watched, taskKeys: [taskKey], jobId, concurrency: 1, model: modelOf(spec),
    taskTimeoutMs: PLAYGROUND_TASK_TIMEOUT_MS, signal: controller.signal,
    // The env beats while this worker lives: a closed tab stops it within three intervals.
    heartbeatInterval: 30,
  });
  post('done', { result: evaluation.results[0], jobId: evaluation.jobId, aborted: evaluation.aborted });
}

self.onmessage = ({ data }) => {
  switch (data.type) {
    case 'run':
      run(data).catch((error) => post('failed', {
        message: `${error?.name ?? 'Error'}: ${redact(error?.message ?? error, data.agent?.apiKey)}`,
      }));
      break;
    case 'pause':
      pauseWanted = true;
      break;
    case 'resume':
    case 'step':
      pauseWanted = data.type === 'step';
      release?.();
      release = null;
      post('resumed');
      break;
    case 'stop':
      // Heard: the page waits for the run to wind down (fail the session, close the env).
      post('stopping');
      pauseWanted = false;
      controller.abort();
      release?.();
      release = null;
      break;
    default:
  }
};
