// How a comparison and an evaluation read, in words: shared by the `flotilla` CLI and the
// dashboard, so the terminal and the page print the very same numbers for the same jobs.

/** 0.375 -> "37.5%". */
export const pct = (x) => `${(x * 100).toFixed(1)}%`;

/** A per-task change, in whole percentage points: "+100%", "-50%", "0%". */
export const taskChange = (change) => `${change > 0 ? '+' : ''}${(change * 100).toFixed(0)}%`;

/** "+62.5 points" (a signed change of pass rate). */
export const points = (change) => `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)} points`;

/** "95% interval [31.3, 93.8]". */
export const interval = (c) =>
  `${Math.round(c.confidence * 100)}% interval [${(c.intervalLow * 100).toFixed(1)}, ${(c.intervalHigh * 100).toFixed(1)}]`;

/** The summary line of `flotilla compare`. */
export const summary = (c) =>
  `pass rate ${pct(c.baselinePassRate)} -> ${pct(c.candidatePassRate)}: ${points(c.change)}, ${interval(c)} ` +
  `(paired bootstrap over ${c.tasks.length} tasks)`;

/** "verdict: better", with why the gate failed when it did. */
export const verdict = (c) =>
  `verdict: ${c.verdict}${c.gatePassed ? '' : ` (gate failed: ${c.verdict === 'worse' ? 'worse' : `dropped more than ${c.maxDrop}`})`}`;

/**
 * Where the dashboard shows a job or a comparison, on a flotilla-server. A comparison's link
 * carries the options it was made with (`confidence`, `maxDrop`), so the page shows the same.
 */
export const links = {
  job: (baseUrl, jobId) => `${baseUrl}/#job/${encodeURIComponent(jobId)}`,
  compare: (baseUrl, baseline, candidate, options = {}) => {
    const query = new URLSearchParams(Object.entries(options).filter(([, v]) => v !== undefined && v !== null)).toString();
    return `${baseUrl}/#compare/${encodeURIComponent(baseline)}/${encodeURIComponent(candidate)}${query ? `?${query}` : ''}`;
  },
};
