// A session's transcript: messages in order, the role of each at a glance, tool calls and tool
// results shown as such (folded when long), and the verifier's verdict at the end. All of it is
// text: nothing an agent wrote is ever parsed as HTML.
import { h } from './dom.js';

const ROLES = new Set(['user', 'assistant', 'tool', 'system', 'developer']);
const FOLD_AT = 600;

function pretty(value) {
  if (typeof value === 'string') {
    try { return JSON.stringify(JSON.parse(value), null, 2); } catch { return value; }
  }
  return JSON.stringify(value, null, 2);
}

/** Text, folded behind its first line when long. */
function block(text, { label = null, code = false } = {}) {
  const body = h(code ? 'pre' : 'div', { className: code ? '' : 'text' }, text);
  if (text.length <= FOLD_AT && !label) return body;
  const first = label ?? `${text.slice(0, 80).split('\n')[0]}…`;
  return h('details', { open: text.length <= FOLD_AT }, h('summary', {}, first), body);
}

function toolCall(name, args, id) {
  const text = pretty(args ?? {});
  return h('div', { className: 'tool-call' }, block(text, { label: `tool call: ${name ?? '?'}${id ? `  (${id})` : ''}`, code: true }));
}

function toolResult(content, id) {
  const text = typeof content === 'string' ? pretty(content) : pretty(content ?? null);
  return h('div', { className: 'tool-result' }, block(text, { label: `tool result${id ? ` for ${id}` : ''}`, code: true }));
}

/** Content as OpenAI and Anthropic shape it: a string, or a list of typed blocks. */
function content(value) {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return [block(value)];
  if (!Array.isArray(value)) return [block(pretty(value), { code: true })];
  return value.map((part) => {
    if (typeof part === 'string') return block(part);
    switch (part?.type) {
      case 'text': case 'input_text': case 'output_text': return block(String(part.text ?? ''));
      case 'tool_use': return toolCall(part.name, part.input, part.id);
      case 'tool_result': return toolResult(part.content, part.tool_use_id);
      default: return block(pretty(part), { code: true });
    }
  });
}

function message(m, index) {
  const role = ROLES.has(m.role) ? m.role : 'other';
  const item = h('li', { className: `msg ${role}` }, h('div', { className: 'role' }, `${index + 1}. ${m.role}`));
  if (m.role === 'tool') item.append(toolResult(m.content, m.toolCallId));
  else item.append(...content(m.content));
  for (const call of m.toolCalls ?? []) {
    const fn = call?.function ?? call;
    item.append(toolCall(fn?.name, fn?.arguments ?? fn?.input, call?.id));
  }
  return item;
}

/** The verifier's verdict: score, stdout, and the error when it failed. */
export function verifierBlock(execution) {
  if (!execution) return h('div', { className: 'verifier' }, 'Not verified.');
  const passed = execution.success && (execution.score ?? 0) >= 1;
  const box = h('div', { className: `verifier ${passed ? 'pass' : 'fail'}` },
    h('strong', {}, execution.success ? `Score: ${execution.score ?? '-'}` : 'The verifier failed'),
    h('span', { className: 'muted' }, `  (${execution.executionTimeMs} ms)`));
  if (execution.stdout) box.append(block(execution.stdout, { label: 'stdout', code: true }));
  const error = execution.error;
  if (error) {
    const text = typeof error === 'object' && error.message !== undefined
      ? `${error.type ?? 'Error'}: ${error.message}${error.traceback ? `\n\n${error.traceback}` : ''}` : pretty(error);
    box.append(h('div', { className: 'verifier-error' }, block(text, { label: `error: ${String(error.type ?? 'Error')}`, code: true })));
  }
  return box;
}

/** Fills the transcript panel's list and verdict. */
export function renderTranscript(list, verdict, transcript) {
  list.replaceChildren(...transcript.transcript.map(message));
  verdict.replaceChildren(verifierBlock(transcript.verifierExecution));
}
