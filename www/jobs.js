// Jobs: every job of the team, newest first, with its sessions and pass rate; filter by name.
import { pct } from '/sdk/js/report.mjs';
import { $, h, mapLimited, rate, when } from './dom.js';
import { debounce } from './live.js';

/**
 * Sessions of a job and how many passed (as `flotilla eval` counts: passed sessions of all;
 * `flotilla compare` instead averages per-task pass rates), cached until an event says it changed.
 */
export function jobSummaries(fleet) {
  const cache = new Map();
  return {
    get(jobId) {
      if (!cache.has(jobId)) {
        const loading = fleet.listJobSessions(jobId).then((s) => {
          const passed = s.tasks.reduce((n, t) => n + t.passedSessions, 0);
          return { sessions: s.totalSessions, passed, rate: s.totalSessions ? passed / s.totalSessions : null };
        });
        loading.catch(() => cache.delete(jobId));
        cache.set(jobId, loading);
      }
      return cache.get(jobId);
    },
    forget(jobId) {
      if (jobId) cache.delete(jobId);
      else cache.clear();
    },
  };
}

export function startJobs(fleet, live, showError) {
  const summaries = jobSummaries(fleet);
  let jobs = null;
  let visible = false;
  let stale = true;
  let generation = 0;

  function render() {
    if (!jobs) return;
    const filter = $('jobs-filter').value.trim().toLowerCase();
    const shown = jobs.filter(({ job }) => (job.name ?? job.id).toLowerCase().includes(filter));
    $('jobs-table').tBodies[0].replaceChildren(...shown.map(({ job, summary }) => {
      const link = h('a', { href: `#job/${encodeURIComponent(job.id)}` }, job.name ?? job.id);
      const row = h('tr', { className: 'job-row' },
        h('td', {}, link), h('td', {}, when(job.createdAt)), h('td', { className: 'sessions' }, String(summary.sessions)),
        h('td', {}, summary.rate === null ? '-' : rate(summary.rate, `${summary.passed} / ${summary.sessions} (${pct(summary.rate)})`)),
        h('td', {}, job.status ?? '-'));
      row.dataset.job = job.id;
      return row;
    }));
    $('jobs-empty').hidden = jobs.length > 0;
  }

  async function refresh() {
    stale = false;
    const mine = ++generation;
    try {
      const list = await fleet.listJobs();
      const loaded = await mapLimited(list, 4, async (job) => ({ job, summary: await summaries.get(job.id) }));
      if (mine !== generation) return; // a newer refresh started meanwhile: its answer wins
      jobs = loaded;
      render();
    } catch (error) {
      showError(error);
    }
  }
  const later = debounce(refresh);

  $('jobs-filter').addEventListener('input', render);
  live.subscribe((event) => {
    if (!['job.created', 'session.created', 'session.completed', 'poll'].includes(event.type)) return;
    summaries.forget(event.jobId ?? null);
    stale = true;
    if (visible) later();
  });
  return {
    show() {
      visible = true;
      if (stale) refresh();
    },
    hide() {
      visible = false;
    },
  };
}
