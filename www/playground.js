// Playground: pick a task, launch its environment, use the app beside the prompt, watch the
// heartbeat, verify, close.
import { duration } from './messages.js';
import { $ } from './dom.js';
import { startAgentRuns } from './agent-run.js';

export async function startPlayground(fleet, live, showError, token) {
  const tasks = await fleet.loadTasks().catch(showError) ?? [];
  const select = $('task-select');
  for (const task of tasks) select.add(new Option(task.key, task.key));
  let env = null;
  let deadline = null;
  let misses = 0;
  const current = () => tasks.find((t) => t.key === select.value);

  const showTask = () => {
    const task = current();
    if (!task) return;
    $('task-prompt').textContent = task.prompt;
    const facts = { Environment: task.envKey, Data: task.dataKey ?? '-', Difficulty: task.metadata?.difficulty ?? '-' };
    $('task-facts').replaceChildren(...Object.entries(facts).flatMap(([k, v]) => [Object.assign(document.createElement('dt'), { textContent: k }), Object.assign(document.createElement('dd'), { textContent: v })]));
  };
  select.addEventListener('change', showTask);
  showTask();

  setInterval(() => {
    $('hb-countdown').textContent = deadline ? duration(deadline - Date.now() / 1000) : '-';
  }, 500);

  $('launch').addEventListener('click', async () => {
    const task = current();
    if (!task) return;
    $('launch').disabled = true;
    try {
      if (env) await env.close().catch(() => {});
      env = await task.makeEnv({ heartbeatInterval: 30, runId: `playground-${new Date().toISOString().slice(0, 10)}` });
      misses = 0;
      deadline = null;
      env.on('beat', (beat) => {
        deadline = beat.deadlineTimestamp;
        misses = 0;
        $('hb-last').textContent = new Date(beat.lastHeartbeat).toLocaleTimeString();
        $('hb-misses').textContent = '0';
      });
      env.on('error', () => { misses += 1; $('hb-misses').textContent = String(misses); });
      env.on('expired', () => { $('env-status').textContent = 'stopped (expired)'; deadline = null; });
      const beat = await env.heartbeat();
      deadline = beat.deadlineTimestamp;
      $('hb-last').textContent = new Date(beat.lastHeartbeat).toLocaleTimeString();
      $('env-id').textContent = env.instanceId;
      $('env-status').textContent = env.status;
      $('env-panel').hidden = false;
      $('verdict').hidden = true;
      $('app-frame').src = env.urls.app[0];
      $('app-frame').hidden = false;
      $('stage-hint').hidden = true;
    } catch (error) {
      showError(error);
    } finally {
      $('launch').disabled = false;
    }
  });

  $('verify').addEventListener('click', async () => {
    if (!env) return;
    const verdict = $('verdict');
    verdict.hidden = false;
    verdict.className = '';
    verdict.textContent = 'Verifying…';
    try {
      const answer = $('final-answer').value.trim();
      const result = await current().verifyDetailed(env, answer ? { finalAnswer: answer } : undefined);
      if (result.success) {
        const score = typeof result.result === 'number' ? result.result : result.result?.score ?? result.result;
        verdict.className = score >= 1 ? 'pass' : 'fail';
        verdict.textContent = `Score: ${score}${result.stdout ? `\nstdout:\n${result.stdout}` : ''}`;
      } else {
        verdict.className = 'fail';
        verdict.textContent = `The verifier failed: ${result.error?.type}: ${result.error?.message}\n\n${result.error?.traceback ?? ''}`;
      }
    } catch (error) {
      verdict.hidden = true;
      showError(error);
    }
  });

  // An agent's run shows its env's app on the stage, reloaded after each change it makes.
  startAgentRuns(fleet, live, showError, {
    token,
    currentTask: current,
    showApp: {
      show(instanceId, appUrl) {
        $('env-id').textContent = instanceId;
        $('app-frame').src = appUrl;
        $('app-frame').hidden = false;
        $('stage-hint').hidden = true;
      },
      reload() {
        const frame = $('app-frame');
        frame.src = frame.src; // eslint-disable-line no-self-assign
      },
      done() {},
    },
  });

  const forget = (status) => {
    $('env-status').textContent = status;
    $('app-frame').hidden = true;
    $('stage-hint').hidden = false;
    deadline = null;
    env = null;
  };
  // Closed elsewhere (the Instances page, the CLI, a TTL): the event stream says so.
  live.subscribe((event) => {
    if (env && event.type === 'instance.stopped' && event.instanceId === env.instanceId) {
      forget(`${event.status} (${event.reason ?? 'stopped'})`);
    }
  });

  $('close-env').addEventListener('click', async () => {
    if (!env) return;
    try {
      const closed = await env.close();
      forget(closed.status);
    } catch (error) {
      showError(error);
    }
  });
}
