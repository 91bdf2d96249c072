// Instances: usage, runs and instances of the signed-in team, refreshed when the server says an
// instance changed (live events), or every 5 s where there is no event stream. Heartbeats move
// deadlines without an event (one per beat would flood the stream), so while the page is open the
// countdowns tick locally and the deadlines are re-read every 30 s.
import { duration } from './messages.js';
import { $, h, when } from './dom.js';
import { debounce } from './live.js';

function button(label, onClick) {
  const b = h('button', { type: 'button' }, label);
  b.addEventListener('click', onClick);
  return h('td', {}, b);
}

const DEADLINES_EVERY_MS = 30_000;

function countdown(instance) {
  const live = instance.status === 'running' || instance.status === 'pending';
  const deadline = instance.deadlineTimestamp ?? null;
  return live && deadline ? `in ${duration(deadline - Date.now() / 1000)}` : '-';
}

export function startDashboard(fleet, live, showError) {
  let visible = false;
  let shown = [];
  const act = (work) => async () => {
    try { await work(); await refresh(); } catch (error) { showError(error); }
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
      const row = h('tr', {}, h('td', {}, run.runId), h('td', {}, `${run.runningCount} of ${run.totalCount}`),
        h('td', {}, when(run.firstCreatedAt)), h('td', {}, when(run.lastCreatedAt)),
        run.runningCount > 0 ? button('Close all', act(() => fleet.closeAll({ runId: run.runId }))) : h('td'));
      row.dataset.run = run.runId;
      return row;
    }));

    const now = Date.now();
    shown = instances;
    $('instances-table').tBodies[0].replaceChildren(...instances.map((i) => {
      const live = i.status === 'running' || i.status === 'pending';
      const row = h('tr', {}, h('td', {}, i.instanceId), h('td', {}, `${i.envKey}:${i.version}`), h('td', {}, i.runId ?? '-'),
        h('td', {}, i.status), h('td', {}, duration((now - Date.parse(i.createdAt)) / 1000)),
        h('td', { className: 'deadline' }, countdown(i)),
        live ? button('Close', act(() => fleet.close(i.instanceId))) : h('td'));
      row.dataset.instance = i.instanceId;
      return row;
    }));
  }

  setInterval(() => {
    if (!visible) return;
    for (const [i, row] of [...$('instances-table').tBodies[0].rows].entries()) {
      if (shown[i]) row.querySelector('.deadline').textContent = countdown(shown[i]);
    }
  }, 1000);
  setInterval(() => { if (visible) refresh().catch(showError); }, DEADLINES_EVERY_MS);

  const later = debounce(() => refresh().catch(showError));
  live.subscribe((event) => {
    if (visible && (event.type.startsWith('instance.') || event.type === 'poll')) later();
  });
  return {
    show() {
      visible = true;
      refresh().catch(showError);
    },
    hide() {
      visible = false;
    },
  };
}
