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

/** "2026-11-23 09:14" in the reader's time zone; "-" for nothing. */
export function when(iso) {
  if (!iso) return '-';
  const date = new Date(iso.endsWith('Z') || /[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** Seconds between two ISO times, or null. */
export function seconds(start, end) {
  if (!start || !end) return null;
  const utc = (iso) => Date.parse(iso.endsWith('Z') || /[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
  const s = (utc(end) - utc(start)) / 1000;
  return Number.isFinite(s) ? s : null;
}
