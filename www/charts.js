// SVG charts of a comparison, drawn with DOM calls (labels are text nodes, never markup). Colors
// come from CSS classes, so they follow the light or dark theme.
import { taskChange, points } from '/sdk/js/report.mjs';

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text = null) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = text;
  return node;
}

function frame(width, height, title) {
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  root.append(svg('title', {}, title));
  return root;
}

/**
 * Per-task change of pass rate, largest gain first: gains to the right of the zero line (green),
 * losses to the left (red), unchanged tasks as a tick on the line.
 */
export function taskChangeChart(tasks) {
  const sorted = [...tasks].sort((a, b) => b.change - a.change || a.taskKey.localeCompare(b.taskKey));
  const [width, label, value, row, top] = [720, 230, 70, 24, 8];
  const axisY = top + sorted.length * row;
  const root = frame(width, axisY + 28, 'Change of pass rate per task');
  const half = (width - label - value) / 2;
  const zero = label + half;
  const x = (change) => zero + change * half;
  for (const tick of [-1, -0.5, 0.5, 1]) {
    root.append(svg('line', { x1: x(tick), x2: x(tick), y1: top, y2: axisY, class: 'grid' }));
  }
  sorted.forEach((t, i) => {
    const y = top + i * row;
    const group = svg('g', { 'data-task': t.taskKey, 'data-change': t.change });
    const name = t.taskKey.length > 30 ? `${t.taskKey.slice(0, 29)}…` : t.taskKey;
    group.append(svg('text', { x: label - 8, y: y + row / 2 + 4, 'text-anchor': 'end' }, name));
    if (t.change === 0) {
      group.append(svg('rect', { x: zero - 1, y: y + 5, width: 2, height: row - 10, class: 'axis' }));
    } else {
      const [from, to] = t.change > 0 ? [zero, x(t.change)] : [x(t.change), zero];
      group.append(svg('rect', { x: from, y: y + 4, width: Math.max(1, to - from), height: row - 8, rx: 2, class: t.change > 0 ? 'up' : 'down' }));
    }
    // Values in their own column at the right, clear of the names and the bars.
    group.append(svg('text', { x: width - 4, y: y + row / 2 + 4, 'text-anchor': 'end', class: 'value' }, taskChange(t.change)));
    group.append(svg('title', {}, `${t.taskKey}: ${taskChange(t.change)}${t.flipped ? ` (${t.flipped})` : ''}`));
    root.append(group);
  });
  root.append(svg('line', { x1: zero, x2: zero, y1: top, y2: axisY, class: 'axis', 'stroke-width': 2 }));
  for (const tick of [-1, -0.5, 0, 0.5, 1]) {
    root.append(svg('text', { x: x(tick), y: axisY + 18, 'text-anchor': 'middle' }, tick === 0 ? '0' : taskChange(tick)));
  }
  return root;
}

/** The overall change as a point on a -100..+100 points axis, its confidence interval as a bar. */
export function intervalChart(c) {
  const [width, height, margin] = [720, 80, 40];
  const root = frame(width, height, `Change ${points(c.change)}, interval ${(c.intervalLow * 100).toFixed(1)} to ${(c.intervalHigh * 100).toFixed(1)}`);
  const x = (v) => margin + ((v + 1) / 2) * (width - 2 * margin);
  const y = 36;
  root.append(svg('line', { x1: x(-1), x2: x(1), y1: y, y2: y, class: 'axis' }));
  for (const tick of [-1, -0.5, 0, 0.5, 1]) {
    root.append(svg('line', { x1: x(tick), x2: x(tick), y1: y - (tick === 0 ? 14 : 5), y2: y + (tick === 0 ? 14 : 5), class: 'axis', 'stroke-width': tick === 0 ? 2 : 1 }));
    root.append(svg('text', { x: x(tick), y: y + 30, 'text-anchor': 'middle' }, tick === 0 ? '0' : `${tick > 0 ? '+' : ''}${tick * 100}`));
  }
  const band = svg('g', { 'data-low': c.intervalLow, 'data-high': c.intervalHigh });
  band.append(svg('line', { x1: x(c.intervalLow), x2: x(c.intervalHigh), y1: y, y2: y, class: 'interval' }));
  for (const end of [c.intervalLow, c.intervalHigh]) {
    band.append(svg('line', { x1: x(end), x2: x(end), y1: y - 8, y2: y + 8, class: 'interval' }));
  }
  band.append(svg('circle', { cx: x(c.change), cy: y, r: 6, class: 'point' }));
  band.append(svg('text', { x: x(c.change), y: y - 14, 'text-anchor': 'middle' }, points(c.change)));
  root.append(band);
  return root;
}
