// One job: per task, its pass rate and average score, and each session (model, status, score,
// steps, duration); a session's transcript beside them. Live: sessions created or completed in
// this job appear as they happen, and an open transcript grows with its session.
import { pct } from '/sdk/js/report.mjs';
import { $, h, rate, when, seconds } from './dom.js';
import { debounce } from './live.js';
import { duration } from './messages.js';
import { renderTranscript } from './transcript.js';

const short = (id) => (id.length > 14 ? `${id.slice(0, 12)}…` : id);

function sessionRow(jobId, s, selected) {
  const took = seconds(s.startedAt, s.endedAt);
  const score = s.verifierExecution?.score;
  const row = h('tr', { className: `clickable session-row${selected ? ' selected' : ''}`, title: s.sessionId },
    h('td', {}, h('a', { href: `#job/${encodeURIComponent(jobId)}/session/${encodeURIComponent(s.sessionId)}` }, short(s.sessionId))),
    h('td', {}, s.model), h('td', { className: 'status' }, s.status),
    h('td', { className: 'score' }, score === null || score === undefined ? '-' : String(score)),
    h('td', {}, String(s.stepCount)), h('td', {}, took === null ? '-' : duration(took)));
  row.dataset.session = s.sessionId;
  row.addEventListener('click', (e) => {
    if (e.target.tagName !== 'A') location.hash = `#job/${encodeURIComponent(jobId)}/session/${encodeURIComponent(s.sessionId)}`;
  });
  return row;
}

function taskGroup(jobId, group, selectedSession) {
  const key = group.task?.key ?? group.taskId ?? '(no task)';
  const head = h('h3', {}, h('span', { className: 'task-key' }, key), rate(group.passRate),
    h('span', { className: 'muted' }, `${group.passedSessions} / ${group.totalSessions} passed, average score ${group.averageScore === null ? '-' : group.averageScore.toFixed(2)}`));
  const table = h('table', {},
    h('thead', {}, h('tr', {}, ...['Session', 'Model', 'Status', 'Score', 'Steps', 'Duration'].map((t) => h('th', {}, t)))),
    h('tbody', {}, ...group.sessions.map((s) => sessionRow(jobId, s, s.sessionId === selectedSession))));
  const section = h('section', { className: 'task-group' }, head, table);
  section.dataset.task = key;
  return section;
}

export function startJob(fleet, live, showError) {
  let jobId = null;
  let sessionId = null;
  let sessions = null;
  let generation = 0;

  async function refreshJob() {
    const id = jobId;
    const mine = ++generation;
    try {
      const [job, groups] = await Promise.all([fleet.getJob(id), fleet.listJobSessions(id)]);
      if (id !== jobId || mine !== generation) return;
      sessions = groups;
      const passed = groups.tasks.reduce((n, t) => n + t.passedSessions, 0);
      $('job-name').textContent = job.name ?? job.id;
      $('job-facts').textContent = `${job.id} · created ${when(job.createdAt)} · ${job.status ?? '-'} · ${groups.totalSessions} sessions · ` +
        `${passed} passed (${groups.totalSessions ? pct(passed / groups.totalSessions) : '-'})`;
      const tasks = [...groups.tasks].sort((a, b) => (a.task?.key ?? a.taskId ?? '').localeCompare(b.task?.key ?? b.taskId ?? ''));
      $('job-tasks').replaceChildren(...tasks.map((g) => taskGroup(id, g, sessionId)));
      if (!tasks.length) $('job-tasks').append(h('p', { className: 'muted' }, 'No sessions yet.'));
    } catch (error) {
      showError(error);
    }
  }

  async function refreshTranscript() {
    const id = sessionId;
    $('transcript').hidden = !id;
    if (!id) return;
    try {
      const transcript = await fleet.getSessionTranscript(id);
      if (id !== sessionId) return;
      const info = sessions?.tasks.flatMap((t) => t.sessions).find((s) => s.sessionId === id);
      $('transcript-title').textContent = transcript.task?.key ?? 'Transcript';
      const facts = { Session: id, Model: info?.model ?? '-', Status: info?.status ?? '-', Messages: String(transcript.transcript.length) };
      $('transcript-facts').replaceChildren(...Object.entries(facts).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
      renderTranscript($('transcript-messages'), $('transcript-verifier'), transcript);
    } catch (error) {
      showError(error);
    }
  }

  const laterJob = debounce(refreshJob);
  const laterTranscript = debounce(refreshTranscript);
  live.subscribe((event) => {
    if (!jobId) return;
    if (event.type === 'poll' || (event.type.startsWith('session.') && event.jobId === jobId)) {
      if (event.type !== 'session.updated') laterJob();
      if (event.type === 'poll' || event.sessionId === sessionId) laterTranscript();
    }
  });
  $('transcript-close').addEventListener('click', (e) => {
    e.preventDefault();
    location.hash = `#job/${encodeURIComponent(jobId)}`;
  });

  return {
    async show([id, what, session]) {
      const changed = id !== jobId;
      jobId = id;
      sessionId = what === 'session' ? session : null;
      if (changed) {
        // The old job's content stays until the new one's replaces it (no jump to empty).
        $('job-name').textContent = id;
        $('job-facts').textContent = 'Loading…';
      }
      await refreshJob();
      await refreshTranscript();
    },
    hide() {
      jobId = null;
      $('job-tasks').replaceChildren();
    },
  };
}
