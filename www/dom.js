// Small DOM helpers. Everything a user or an agent wrote goes in as text (textContent), never as
// HTML: a transcript holding `<script>` shows those characters.
import { pct } from '/sdk/js/report.mjs';

export const $ = (id) => document.getElementById(id);

/** An element with text and attributes: h('td', { className: 'x' }, 'text'). */
export function h(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** A pass rate as a small bar and its percentage. */
export function rate(value, label = pct(value)) {
  const fill = h('span', { className: 'rate-fill' });
  fill.style.width = `${Math.max(0, Math.min(1, value)) * 100}%`;
  return h('span', { className: 'rate', title: label }, h('span', { className: 'rate-bar' }, fill), h('span', { className: 'rate-text' }, label));
}

/** Milliseconds of an ISO time; one without a zone (as fleet-python sends) is read as UTC. */
function utc(iso) {
  return Date.parse(iso.endsWith('Z') || /[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
}

/** The time in the reader's zone; "-" for nothing. */
export function when(iso) {
  if (!iso) return '-';
  const ms = utc(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toLocaleString();
}

/** Seconds between two ISO times, or null. */
export function seconds(start, end) {
  if (!start || !end) return null;
  const s = (utc(end) - utc(start)) / 1000;
  return Number.isFinite(s) ? s : null;
}

/** Runs `work` over `items` with at most `limit` at once; resolves to the results in order. */
export async function mapLimited(items, limit, work) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
