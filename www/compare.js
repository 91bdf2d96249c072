// Compare: a baseline and a candidate job, with the numbers `flotilla compare` prints (the same
// `fleet.compare` computes both, and js/report.mjs words both), a chart of the change per task,
// the overall change with its interval, the verdict and the flipped tasks.
import { links, summary, verdict } from '/sdk/js/report.mjs';
import { $, h, when } from './dom.js';
import { debounce } from './live.js';
import { intervalChart, taskChangeChart } from './charts.js';

export function startCompare(fleet, live, showError) {
  let pair = [null, null];
  let options = {};
  let visible = false;

  async function fillPickers() {
    const jobs = await fleet.listJobs();
    for (const [i, select] of [$('compare-baseline'), $('compare-candidate')].entries()) {
      const options = jobs.map((j) => new Option(`${j.name ?? j.id} (${when(j.createdAt)})`, j.id));
      select.replaceChildren(new Option('Pick a job…', ''), ...options);
      select.value = pair[i] ?? '';
      // A job id from a pasted link that this team does not list still shows as itself.
      if (pair[i] && select.value !== pair[i]) {
        select.add(new Option(pair[i], pair[i]));
        select.value = pair[i];
      }
    }
  }

  async function run() {
    const [baseline, candidate] = pair;
    $('compare-hint').hidden = Boolean(baseline && candidate);
    if (!baseline || !candidate) {
      $('compare-body').hidden = true;
      return;
    }
    try {
      const c = await fleet.compare(baseline, candidate, options);
      if (pair[0] !== baseline || pair[1] !== candidate) return;
      $('compare-verdict').textContent = verdict(c);
      $('compare-verdict').className = `verdict ${c.verdict}`;
      $('compare-verdict').dataset.verdict = c.verdict;
      $('compare-summary').textContent = summary(c);
      $('compare-interval').replaceChildren(intervalChart(c));
      $('compare-tasks').replaceChildren(taskChangeChart(c.tasks));
      const flipped = c.tasks.filter((t) => t.flipped);
      $('compare-flipped').replaceChildren(...(flipped.length
        ? flipped.map((t) => h('li', { className: t.flipped === 'fail->pass' ? 'up' : 'down' }, `${t.taskKey}: ${t.flipped}`))
        : [h('li', { className: 'muted' }, 'None.')]));
      const only = [
        c.onlyInBaseline.length ? `only in the baseline: ${c.onlyInBaseline.join(', ')}` : '',
        c.onlyInCandidate.length ? `only in the candidate: ${c.onlyInCandidate.join(', ')}` : '',
      ].filter(Boolean);
      $('compare-only').textContent = only.join('; ');
      $('compare-body').hidden = false;
    } catch (error) {
      $('compare-body').hidden = true;
      showError(error);
    }
  }

  const pick = () => {
    const [b, c] = [$('compare-baseline').value, $('compare-candidate').value];
    location.hash = links.compare('', b, c, options).slice(1);
  };
  $('compare-baseline').addEventListener('change', pick);
  $('compare-candidate').addEventListener('change', pick);
  const later = debounce(run);
  live.subscribe((event) => {
    if (!visible) return;
    if (event.type === 'job.created') fillPickers().catch(showError);
    if (event.type === 'poll' || (event.type === 'session.completed' && pair.includes(event.jobId))) later();
  });

  return {
    /** `#compare/BASELINE/CANDIDATE?confidence=0.9&maxDrop=0.05` (the options the CLI was given). */
    async show([baseline, candidate], params = {}) {
      visible = true;
      pair = [baseline || null, candidate || null];
      options = {};
      if (params.confidence) options.confidence = Number(params.confidence);
      if (params.maxDrop) options.maxDrop = Number(params.maxDrop);
      await fillPickers().catch(showError);
      await run();
    },
    hide() {
      visible = false;
    },
  };
}
