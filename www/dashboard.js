// Dashboard: usage, runs and instances of the signed-in team, refreshing every 3 s.
import { duration } from './messages.js';

const $ = (id) => document.getElementById(id);

function cell(text) {
  return Object.assign(document.createElement('td'), { textContent: text });
}

function button(label, onClick) {
  const td = document.createElement('td');
  const b = Object.assign(document.createElement('button'), { type: 'button', textContent: label });
  b.addEventListener('click', onClick);
  td.append(b);
  return td;
}

export function startDashboard(fleet, showError) {
  // Tells the playground which instances were closed here, so it does not show a dead env.
  const announce = (closed) => window.dispatchEvent(new CustomEvent('flotilla:closed', { detail: closed.map((i) => i.instanceId) }));
  const act = (work) => async () => {
    try { announce([].concat(await work())); await refresh(); } catch (error) { showError(error); }
  };

  async function refresh() {
    const [account, runs, instances] = await Promise.all([
      fleet.account(), fleet.listRuns({ status: 'all' }), fleet.listInstances(),
    ]);
    const share = account.instanceLimit ? account.instanceCount / account.instanceLimit : 0;
    $('usage-fill').style.width = `${Math.min(100, share * 100)}%`;
    $('usage-fill').classList.toggle('full', share >= 1);
    $('usage-text').textContent = `${account.instanceCount} of ${account.instanceLimit} instances running`;

    $('runs').tBodies[0].replaceChildren(...runs.map((run) => {
      const row = document.createElement('tr');
      row.dataset.run = run.runId;
      row.append(cell(run.runId), cell(`${run.runningCount} of ${run.totalCount}`), cell(new Date(run.firstCreatedAt).toLocaleString()),
        cell(new Date(run.lastCreatedAt).toLocaleString()),
        run.runningCount > 0 ? button('Close all', act(() => fleet.closeAll({ runId: run.runId }))) : cell(''));
      return row;
    }));

    const now = Date.now();
    $('instances').tBodies[0].replaceChildren(...instances.map((i) => {
      const row = document.createElement('tr');
      row.dataset.instance = i.instanceId;
      const live = i.status === 'running' || i.status === 'pending';
      const deadline = i.deadlineTimestamp ?? null;
      row.append(cell(i.instanceId), cell(`${i.envKey}:${i.version}`), cell(i.runId ?? '-'), cell(i.status),
        cell(duration((now - Date.parse(i.createdAt)) / 1000)),
        cell(live && deadline ? `in ${duration(deadline - now / 1000)}` : '-'),
        live ? button('Close', act(() => fleet.close(i.instanceId))) : cell(''));
      return row;
    }));
  }

  const loop = () => refresh().catch(showError).finally(() => setTimeout(loop, 3000));
  loop();
}
