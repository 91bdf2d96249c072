// A scripted model provider on loopback, for testing agents that drive a real model SDK: the
// non-streaming OpenAI Responses API (`POST /v1/responses`) and Anthropic Messages API
// (`POST /v1/messages`, also with `anthropic-beta: mcp-client-2025-04-04` and `mcp_servers`),
// tool calls included. The shapes are those of the `openai` and `@anthropic-ai/sdk` packages'
// type definitions (resources/responses/responses.d.ts; resources/messages/messages.d.ts and
// resources/beta/messages/messages.d.ts).
//
// Each request must carry an API key (`Authorization: Bearer ...`, or `x-api-key` for
// Anthropic: 401 otherwise) and validate against the documented request shape (400 with the
// provider's error shape otherwise). Which step comes next is the `policy`'s choice, from the
// conversation so far: `{ prompt, tools, calls }` -> `{ calls: [{ name, arguments }] }` or
// `{ text }`. With hosted MCP tools (OpenAI `{ type: 'mcp' }` tools, Anthropic `mcp_servers`) the
// endpoint does what the provider does: it calls the MCP server itself (`initialize`,
// `tools/list`, `tools/call`) and answers with `mcp_list_tools` / `mcp_call` items or
// `mcp_tool_use` / `mcp_tool_result` blocks, then the final text.
//
// Every request is kept in `requests` ({ method, path, headers, body, status, response }) and
// every MCP call the endpoint made in `mcpRequests` ({ url, method, params, headers, status: null
// when the server could not be reached }).
import http from 'node:http';
import { randomBytes } from 'node:crypto';

// ---------------------------------------------------------------------------------------------
// Policies

/** A final answer. */
export const say = (text) => ({ text });
/** Tool calls, made together: `use(['name', args], ...)`. */
export const use = (...calls) => ({ calls: calls.map(([name, args]) => ({ name, arguments: args })) });

/** The first successful call of `name` (its `result` is the tool's JSON result). */
const done = (calls, name) => calls.find((c) => c.name === name && !c.isError && c.result !== undefined);

/** The help desk's tasks (server/src/demo/tasks.rs), each by a part of its prompt. */
const HELPDESK = [
  ['Close ticket #2', (calls) => (done(calls, 'update_ticket') ? say('Ticket #2 is closed.')
    : use(['update_ticket', { id: 2, status: 'closed' }]))],
  ['How many tickets are open', (calls) => {
    const open = done(calls, 'list_tickets');
    return open ? say(String(open.result.length)) : use(['list_tickets', { status: 'open' }]);
  }],
  ['add the comment "Replaced toner, please retry"', (calls) => {
    if (!done(calls, 'add_comment')) return use(['add_comment', { id: 2, body: 'Replaced toner, please retry' }]);
    if (!done(calls, 'update_ticket')) return use(['update_ticket', { id: 2, status: 'resolved' }]);
    return say('Commented on ticket #2 and resolved it.');
  }],
  ['VPN dropping', (calls) => {
    const found = done(calls, 'list_tickets');
    if (!found) return use(['list_tickets', { query: 'VPN' }]);
    if (!done(calls, 'update_ticket')) return use(['update_ticket', { id: found.result[0].id, assignee: 'maria' }]);
    return say('Assigned to maria.');
  }],
  ['Initech has a new contact address', (calls) => {
    const customers = done(calls, 'list_customers');
    if (!customers) return use(['list_customers', {}]);
    const initech = customers.result.find((c) => c.name === 'Initech');
    if (!done(calls, 'update_customer_email')) return use(['update_customer_email', { id: initech.id, email: 'ops@initech.example' }]);
    return say('Updated.');
  }],
  ['needs a copy of an invoice', (calls) => (done(calls, 'create_ticket') ? say('Opened.')
    : use(['create_ticket', { subject: 'Invoice copy needed', customer: 'Acme Corp', priority: 'high' }]))],
  ['Globex is unhappy', (calls) => {
    const open = done(calls, 'list_tickets');
    if (!open) return use(['list_tickets', { query: 'Globex', status: 'open' }]);
    if (!done(calls, 'update_ticket')) return use(...open.result.map((t) => ['update_ticket', { id: t.id, priority: 'urgent' }]));
    return say('Escalated.');
  }],
  ['WIN A FREE CRUISE', (calls) => {
    const found = done(calls, 'list_tickets');
    if (!found) return use(['list_tickets', { query: 'FREE CRUISE' }]);
    if (!done(calls, 'delete_ticket')) return use(['delete_ticket', { id: found.result[0].id }]);
    return say('Deleted.');
  }],
];

/**
 * Knows how to do each help desk task with its MCP tools, and uses the tools' results (e.g. it
 * counts the open tickets `list_tickets` returned). Without the tools it needs, it says so.
 */
export function competent({ prompt, tools, calls }) {
  const plan = HELPDESK.find(([part]) => prompt.includes(part));
  if (!plan) return say("I don't know how to do that.");
  const next = plan[1](calls);
  const missing = (next.calls ?? []).map((c) => c.name).filter((name) => !tools.includes(name));
  return missing.length ? say(`I cannot do this without the tool ${missing[0]}.`) : next;
}

/** Answers at once and touches nothing. */
export const doNothing = () => say('Done.');

// ---------------------------------------------------------------------------------------------
// Shared helpers

const newId = (prefix) => `${prefix}_${randomBytes(12).toString('hex')}`;
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const parseJson = (text) => {
  try { return JSON.parse(text); } catch { return undefined; }
};
const tokens = (value) => Math.max(1, Math.ceil(JSON.stringify(value ?? '').length / 4));

/** A request the provider refuses: its status, message and (OpenAI) parameter. */
class Refusal extends Error {
  constructor(message, { status = 400, param = null, type, code = null } = {}) {
    super(message);
    Object.assign(this, { status, param, type, code });
  }
}
const refuse = (message, options) => { throw new Refusal(message, options); };

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_STEPS = 20;

/** A JSON-RPC 2.0 client of an MCP server, as a provider is: no credentials of the model's caller. */
function mcpClient(url, log) {
  let id = 0;
  const rpc = async (method, params) => {
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const entry = { url, method, params, headers, status: null };
    log.push(entry);
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }) });
    entry.status = response.status;
    if (!response.ok) throw new Error(`the MCP server answered ${response.status}`);
    const data = await response.json();
    if (data.error) throw new Error(data.error.message);
    return data.result;
  };
  return {
    async listTools() {
      await rpc('initialize', { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'model-endpoint', version: '1' } });
      return (await rpc('tools/list', {})).tools;
    },
    async callTool(name, args) {
      const result = await rpc('tools/call', { name, arguments: args });
      const text = (result.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
      return { text, isError: Boolean(result.isError) };
    },
  };
}

/** A call as the policy sees it. */
const seen = (name, args, output, isError) => ({
  name, arguments: args, output, isError: Boolean(isError), result: output === undefined || isError ? undefined : parseJson(output),
});

// ---------------------------------------------------------------------------------------------
// OpenAI Responses

const RESPONSES_PARAMS = new Set(('access_programs background context_management conversation image include input instructions '
  + 'max_output_tokens max_tool_calls metadata model moderation parallel_tool_calls previous_response_id prompt prompt_cache_key '
  + 'prompt_cache_options prompt_cache_retention reasoning safety_identifier service_tier store stream stream_options temperature '
  + 'text tool_choice tools top_logprobs top_p truncation user').split(' '));
const INPUT_ITEM_TYPES = ['message', 'function_call', 'function_call_output', 'reasoning', 'mcp_list_tools', 'mcp_call',
  'mcp_approval_request', 'mcp_approval_response'];

/** Why a strict function schema is not one (every object closed, every property required). */
function strictProblem(schema, path) {
  if (!isObject(schema)) return null;
  if (schema.type === 'object' || schema.properties) {
    if (schema.additionalProperties !== false) return `In context=(${path}), 'additionalProperties' is required to be supplied and to be false.`;
    const keys = Object.keys(schema.properties ?? {});
    const missing = keys.filter((k) => !(schema.required ?? []).includes(k));
    if (missing.length) return `In context=(${path}), 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`;
    for (const k of keys) {
      const problem = strictProblem(schema.properties[k], path ? `${path}, 'properties', '${k}'` : `'properties', '${k}'`);
      if (problem) return problem;
    }
  }
  return schema.items ? strictProblem(schema.items, `${path}, 'items'`) : null;
}

function validateResponses(body) {
  if (!isObject(body)) refuse('The request body must be a JSON object.');
  for (const key of Object.keys(body)) if (!RESPONSES_PARAMS.has(key)) refuse(`Unknown parameter: '${key}'.`, { param: key, code: 'unknown_parameter' });
  if (typeof body.model !== 'string' || !body.model) refuse("Missing required parameter: 'model'.", { param: 'model', code: 'missing_required_parameter' });
  if (body.stream) refuse('This endpoint answers non-streaming requests only.', { param: 'stream' });
  if (body.instructions != null && typeof body.instructions !== 'string') refuse("Invalid type for 'instructions': expected a string.", { param: 'instructions' });
  if (typeof body.input !== 'string' && !Array.isArray(body.input)) refuse("Missing required parameter: 'input'.", { param: 'input', code: 'missing_required_parameter' });
  const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : body.input;
  const calls = new Map();
  const answered = new Set();
  input.forEach((item, i) => {
    const param = `input[${i}]`;
    if (!isObject(item)) refuse(`Invalid type for '${param}': expected an object.`, { param });
    const type = item.type ?? (item.role ? 'message' : undefined);
    if (!INPUT_ITEM_TYPES.includes(type)) refuse(`Invalid value: '${type}'. Supported values are: ${INPUT_ITEM_TYPES.map((t) => `'${t}'`).join(', ')}.`, { param: `${param}.type` });
    if (type === 'message') {
      if (!['user', 'assistant', 'system', 'developer'].includes(item.role)) refuse(`Invalid value: '${item.role}'.`, { param: `${param}.role` });
      if (typeof item.content !== 'string' && !Array.isArray(item.content)) refuse(`Invalid type for '${param}.content'.`, { param: `${param}.content` });
      const parts = item.role === 'assistant' ? ['output_text', 'refusal'] : ['input_text', 'input_image', 'input_file'];
      if (Array.isArray(item.content)) {
        item.content.forEach((part, j) => {
          if (!parts.includes(part?.type)) refuse(`Invalid value: '${part?.type}'. Supported values are: ${parts.map((p) => `'${p}'`).join(', ')}.`, { param: `${param}.content[${j}].type` });
        });
      }
    } else if (type === 'function_call') {
      for (const key of ['call_id', 'name', 'arguments']) if (typeof item[key] !== 'string') refuse(`Missing required parameter: '${param}.${key}'.`, { param: `${param}.${key}` });
      calls.set(item.call_id, item);
    } else if (type === 'function_call_output') {
      if (typeof item.output !== 'string' && !Array.isArray(item.output)) refuse(`Missing required parameter: '${param}.output'.`, { param: `${param}.output` });
      if (!calls.has(item.call_id)) refuse(`No tool call found for function call output with call_id ${item.call_id}.`, { param: 'input' });
      answered.add(item.call_id);
    } else if (type.startsWith('mcp_') && type !== 'mcp_approval_response' && typeof item.server_label !== 'string') {
      refuse(`Missing required parameter: '${param}.server_label'.`, { param: `${param}.server_label` });
    }
  });
  for (const id of calls.keys()) if (!answered.has(id)) refuse(`No tool output found for function call ${id}.`, { param: 'input' });
  if (body.tools !== undefined && !Array.isArray(body.tools)) refuse("Invalid type for 'tools': expected an array.", { param: 'tools' });
  (body.tools ?? []).forEach((tool, i) => {
    const param = `tools[${i}]`;
    if (tool?.type === 'function') {
      if (typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name)) refuse(`Invalid '${param}.name': must match ${TOOL_NAME}.`, { param: `${param}.name` });
      if (tool.parameters != null && !isObject(tool.parameters)) refuse(`Invalid type for '${param}.parameters': expected an object.`, { param: `${param}.parameters` });
      if (tool.strict != null && typeof tool.strict !== 'boolean') refuse(`Invalid type for '${param}.strict': expected a boolean.`, { param: `${param}.strict` });
      if (tool.description != null && typeof tool.description !== 'string') refuse(`Invalid type for '${param}.description': expected a string.`, { param: `${param}.description` });
      const problem = tool.strict === true ? strictProblem(tool.parameters ?? {}, '') : null;
      if (problem) refuse(`Invalid schema for function '${tool.name}': ${problem}`, { param: `${param}.parameters`, code: 'invalid_function_parameters' });
    } else if (tool?.type === 'mcp') {
      if (typeof tool.server_label !== 'string' || !tool.server_label) refuse(`Missing required parameter: '${param}.server_label'.`, { param: `${param}.server_label` });
      if (typeof tool.server_url !== 'string' || !URL.canParse(tool.server_url)) refuse(`Invalid '${param}.server_url': expected a URL.`, { param: `${param}.server_url` });
      const approval = tool.require_approval;
      if (approval != null && approval !== 'always' && approval !== 'never' && !isObject(approval)) refuse(`Invalid value for '${param}.require_approval'.`, { param: `${param}.require_approval` });
    } else {
      refuse(`Tool type '${tool?.type}' is not supported by this test endpoint.`, { param: `${param}.type` });
    }
  });
  return input;
}

/** The task prompt: the first user message's text. */
function firstUserText(messages) {
  const first = messages.find((m) => m.role === 'user' && (m.type ?? 'message') === 'message');
  if (!first) return '';
  return typeof first.content === 'string' ? first.content : first.content.map((c) => c.text ?? '').join('');
}

async function responses(body, policy, mcpLog) {
  const input = validateResponses(body);
  const calls = [];
  const byId = new Map();
  for (const item of input) {
    if (item.type === 'function_call') {
      const call = seen(item.name, parseJson(item.arguments));
      byId.set(item.call_id, call);
      calls.push(call);
    } else if (item.type === 'function_call_output') {
      const output = typeof item.output === 'string' ? item.output : item.output.map((o) => o.text ?? '').join('');
      Object.assign(byId.get(item.call_id), seen(byId.get(item.call_id).name, byId.get(item.call_id).arguments, output));
    } else if (item.type === 'mcp_call') {
      calls.push(seen(item.name, parseJson(item.arguments), item.output ?? undefined, item.error));
    }
  }
  const output = [];
  const available = new Map();
  for (const tool of body.tools ?? []) if (tool.type === 'function') available.set(tool.name, { tool });
  for (const tool of (body.tools ?? []).filter((t) => t.type === 'mcp')) {
    const client = mcpClient(tool.server_url, mcpLog);
    let listed = input.find((i) => i.type === 'mcp_list_tools' && i.server_label === tool.server_label)?.tools;
    if (!listed) {
      const item = { id: newId('mcpl'), type: 'mcp_list_tools', server_label: tool.server_label, tools: [], error: null };
      try {
        item.tools = (await client.listTools()).map((t) => ({ name: t.name, description: t.description ?? null, input_schema: t.inputSchema, annotations: t.annotations ?? null }));
      } catch (error) {
        item.error = error.message;
      }
      output.push(item);
      listed = item.tools;
    }
    const allowed = Array.isArray(tool.allowed_tools) ? tool.allowed_tools : null;
    for (const t of listed) if (!allowed || allowed.includes(t.name)) available.set(t.name, { tool, client });
  }
  const prompt = firstUserText(input);
  for (let step = 0; step < MAX_STEPS; step += 1) {
    const next = policy({ prompt, tools: [...available.keys()], calls });
    if (next.text !== undefined) {
      output.push({ id: newId('msg'), type: 'message', status: 'completed', role: 'assistant',
        content: [{ type: 'output_text', text: next.text, annotations: [], logprobs: [] }] });
      break;
    }
    if (!next.calls.every((c) => available.get(c.name)?.client)) {
      // The caller runs these: `function_call` items, answered with `function_call_output`.
      for (const c of next.calls) {
        output.push({ id: newId('fc'), type: 'function_call', status: 'completed', call_id: newId('call'), name: c.name, arguments: JSON.stringify(c.arguments) });
      }
      break;
    }
    let approvals = false;
    for (const c of next.calls) {
      const { tool, client } = available.get(c.name);
      const args = JSON.stringify(c.arguments);
      if (tool.require_approval !== 'never') {
        // OpenAI's default: every call waits for an `mcp_approval_response`.
        output.push({ id: newId('mcpr'), type: 'mcp_approval_request', server_label: tool.server_label, name: c.name, arguments: args });
        approvals = true;
        continue;
      }
      const result = await client.callTool(c.name, c.arguments).catch((error) => ({ text: error.message, isError: true, protocol: true }));
      output.push({
        id: newId('mcp'), type: 'mcp_call', server_label: tool.server_label, name: c.name, arguments: args,
        output: result.isError ? null : result.text,
        error: !result.isError ? null : result.protocol ? { type: 'mcp_protocol_error', code: -32603, message: result.text }
          : { type: 'mcp_tool_execution_error', content: [{ type: 'text', text: result.text }] },
        status: result.isError ? 'failed' : 'completed',
      });
      calls.push(seen(c.name, c.arguments, result.text, result.isError));
    }
    if (approvals) break;
  }
  const now = Math.floor(Date.now() / 1000);
  return {
    id: newId('resp'), object: 'response', created_at: now, completed_at: now, status: 'completed', background: false,
    model: body.model, output, error: null, incomplete_details: null, instructions: body.instructions ?? null,
    metadata: body.metadata ?? {}, parallel_tool_calls: body.parallel_tool_calls ?? true, temperature: body.temperature ?? 1,
    top_p: body.top_p ?? 1, tool_choice: body.tool_choice ?? 'auto', tools: body.tools ?? [], store: body.store ?? true,
    previous_response_id: null, reasoning: null, text: { format: { type: 'text' } }, truncation: 'disabled', user: body.user,
    usage: {
      input_tokens: tokens(body.input), input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: tokens(output), output_tokens_details: { reasoning_tokens: 0 }, total_tokens: tokens(body.input) + tokens(output),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Anthropic Messages

const MESSAGES_PARAMS = new Set(('max_tokens messages model billing_policy cache_control compaction container context_management '
  + 'diagnostics fallback_credit_token fallbacks inference_geo metadata output_config output_format service_tier speed '
  + 'stop_sequences stream system thinking thread tool_choice tools').split(' '));
const MCP_BETA = 'mcp-client-2025-04-04';
const BLOCKS = {
  user: ['text', 'image', 'document', 'search_result', 'tool_result'],
  assistant: ['text', 'thinking', 'redacted_thinking', 'tool_use', 'server_tool_use'],
};

function validateMessages(body, betas) {
  if (!isObject(body)) refuse('The request body must be a JSON object.');
  const mcp = betas.includes(MCP_BETA);
  for (const key of Object.keys(body)) {
    if (!MESSAGES_PARAMS.has(key) && !(key === 'mcp_servers' && mcp)) refuse(`${key}: Extra inputs are not permitted`);
  }
  if (typeof body.model !== 'string' || !body.model) refuse('model: Field required');
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) refuse('max_tokens: Field required (an integer of at least 1)');
  if (body.stream) refuse('stream: this endpoint answers non-streaming requests only');
  if (body.system !== undefined && typeof body.system !== 'string'
    && !(Array.isArray(body.system) && body.system.every((b) => b?.type === 'text' && typeof b.text === 'string'))) {
    refuse('system: Input should be a valid string or a list of text blocks');
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) refuse('messages: Field required (at least one message)');
  body.messages.forEach((message, i) => {
    if (!['user', 'assistant'].includes(message?.role)) refuse(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    if (typeof message.content === 'string') return;
    if (!Array.isArray(message.content)) refuse(`messages.${i}.content: Input should be a valid string or list`);
    const allowed = [...BLOCKS[message.role], ...(mcp && message.role === 'assistant' ? ['mcp_tool_use', 'mcp_tool_result'] : [])];
    message.content.forEach((block, j) => {
      const where = `messages.${i}.content.${j}`;
      if (!allowed.includes(block?.type)) {
        refuse(`${where}: Input tag '${block?.type}' found using 'type' does not match any of the expected tags: ${allowed.map((t) => `'${t}'`).join(', ')}`);
      }
      if (block.type === 'text' && typeof block.text !== 'string') refuse(`${where}.text: Field required`);
      if ((block.type === 'tool_use' || block.type === 'mcp_tool_use') && (typeof block.id !== 'string' || typeof block.name !== 'string' || !isObject(block.input))) {
        refuse(`${where}: id, name and input (an object) are required`);
      }
      if (block.type === 'tool_result' && (typeof block.tool_use_id !== 'string'
        || (block.content !== undefined && typeof block.content !== 'string' && !Array.isArray(block.content)))) {
        refuse(`${where}: tool_use_id is required, content a string or a list`);
      }
    });
    // Each `tool_use` is answered in the very next message, and each `tool_result` answers one.
    const uses = (m) => (Array.isArray(m?.content) ? m.content.filter((b) => b.type === 'tool_use').map((b) => b.id) : []);
    const results = (m) => (Array.isArray(m?.content) ? m.content.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id) : []);
    if (message.role === 'assistant' && i < body.messages.length - 1) {
      const missing = uses(message).filter((id) => !results(body.messages[i + 1]).includes(id));
      if (missing.length) {
        refuse(`messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. `
          + 'Each `tool_use` block must have a corresponding `tool_result` block in the next message.');
      }
    }
    if (message.role === 'user') {
      const previous = body.messages[i - 1];
      results(message).forEach((id) => {
        if (previous?.role !== 'assistant' || !uses(previous).includes(id)) {
          refuse(`messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. `
            + 'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.');
        }
      });
    }
  });
  if (body.tools !== undefined && !Array.isArray(body.tools)) refuse('tools: Input should be a valid list');
  (body.tools ?? []).forEach((tool, i) => {
    if (tool?.type != null && tool.type !== 'custom') refuse(`tools.${i}.type: '${tool.type}' is not supported by this test endpoint`);
    if (typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name)) refuse(`tools.${i}.custom.name: String should match pattern '${TOOL_NAME.source}'`);
    if (!isObject(tool.input_schema)) refuse(`tools.${i}.custom.input_schema: Field required`);
    if (tool.input_schema.type !== 'object') refuse(`tools.${i}.custom.input_schema.type: Input should be 'object'`);
    if (tool.description !== undefined && typeof tool.description !== 'string') refuse(`tools.${i}.custom.description: Input should be a valid string`);
  });
  if (body.mcp_servers !== undefined) {
    if (!Array.isArray(body.mcp_servers)) refuse('mcp_servers: Input should be a valid list');
    const names = new Set();
    body.mcp_servers.forEach((server, i) => {
      if (server?.type !== 'url') refuse(`mcp_servers.${i}.type: Input should be 'url'`);
      if (typeof server.url !== 'string' || !URL.canParse(server.url)) refuse(`mcp_servers.${i}.url: Input should be a valid URL`);
      if (typeof server.name !== 'string' || !server.name) refuse(`mcp_servers.${i}.name: Field required`);
      if (names.has(server.name)) refuse(`mcp_servers: server names must be unique, '${server.name}' is repeated`);
      names.add(server.name);
      for (const key of Object.keys(server)) {
        if (!['type', 'url', 'name', 'authorization_token', 'tool_configuration'].includes(key)) refuse(`mcp_servers.${i}.${key}: Extra inputs are not permitted`);
      }
    });
  }
}

async function messages(body, betas, policy, mcpLog) {
  validateMessages(body, betas);
  const calls = [];
  const byId = new Map();
  for (const message of body.messages) {
    for (const block of Array.isArray(message.content) ? message.content : []) {
      if (block.type === 'tool_use' || block.type === 'mcp_tool_use') {
        const call = seen(block.name, block.input);
        byId.set(block.id, call);
        calls.push(call);
      } else if ((block.type === 'tool_result' || block.type === 'mcp_tool_result') && byId.has(block.tool_use_id)) {
        const call = byId.get(block.tool_use_id);
        const text = typeof block.content === 'string' ? block.content : (block.content ?? []).map((c) => c.text ?? '').join('');
        Object.assign(call, seen(call.name, call.arguments, text, block.is_error));
      }
    }
  }
  const available = new Map();
  for (const tool of body.tools ?? []) available.set(tool.name, { tool });
  for (const server of body.mcp_servers ?? []) {
    if (server.tool_configuration?.enabled === false) continue;
    const client = mcpClient(server.url, mcpLog);
    // A server whose tools cannot be listed fails the request, as the MCP connector does.
    const listed = await client.listTools().catch((error) => refuse(`Connecting to MCP server '${server.name}' failed: ${error.message}`));
    const allowed = server.tool_configuration?.allowed_tools;
    for (const t of listed) if (!allowed || allowed.includes(t.name)) available.set(t.name, { server, client });
  }
  const content = [];
  let stopReason = 'end_turn';
  for (let step = 0; step < MAX_STEPS; step += 1) {
    const next = policy({ prompt: firstUserText(body.messages), tools: [...available.keys()], calls });
    if (next.text !== undefined) {
      content.push({ type: 'text', text: next.text, citations: null });
      break;
    }
    if (!next.calls.every((c) => available.get(c.name)?.client)) {
      // The caller runs these: `tool_use` blocks, answered with `tool_result` blocks.
      for (const c of next.calls) content.push({ type: 'tool_use', id: newId('toolu'), name: c.name, input: c.arguments, caller: { type: 'direct' } });
      stopReason = 'tool_use';
      break;
    }
    for (const c of next.calls) {
      const { server, client } = available.get(c.name);
      const id = newId('mcptoolu');
      content.push({ type: 'mcp_tool_use', id, name: c.name, server_name: server.name, input: c.arguments });
      const result = await client.callTool(c.name, c.arguments).catch((error) => ({ text: error.message, isError: true }));
      content.push({ type: 'mcp_tool_result', tool_use_id: id, is_error: result.isError, content: [{ type: 'text', text: result.text, citations: null }] });
      calls.push(seen(c.name, c.arguments, result.text, result.isError));
    }
  }
  return {
    id: newId('msg'), type: 'message', role: 'assistant', model: body.model, content, stop_reason: stopReason,
    stop_sequence: null, stop_details: null, container: null, diagnostics: null,
    ...(body.mcp_servers ? { context_management: null } : {}),
    usage: {
      input_tokens: tokens(body.messages), output_tokens: tokens(content), cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0, cache_creation: null, inference_geo: null, output_tokens_details: null,
      server_tool_use: null, service_tier: 'standard',
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The server

const openaiError = (e) => ({ error: { message: e.message, type: e.type ?? 'invalid_request_error', param: e.param ?? null, code: e.code ?? null } });
const anthropicError = (e) => ({ type: 'error', error: { type: e.type ?? 'invalid_request_error', message: e.message }, request_id: newId('req') });

/**
 * @param {{ policy?: (conversation: { prompt: string, tools: string[], calls: object[] }) => ({ text: string } | { calls: { name: string, arguments: object }[] }), cors?: boolean }} [options]
 * @returns {Promise<{ url: string, requests: object[], mcpRequests: object[], stop: () => Promise<void> }>}
 */
export async function startModelEndpoint({ policy = competent, cors = false } = {}) {
  const requests = [];
  const mcpRequests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const corsHeaders = cors ? {
        'access-control-allow-origin': req.headers.origin ?? '*',
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
        'access-control-max-age': '600',
        vary: 'origin',
      } : {};
      if (req.method === 'OPTIONS') {
        res.writeHead(cors ? 204 : 405, corsHeaders);
        return res.end();
      }
      const path = new URL(req.url, 'http://x').pathname;
      const text = Buffer.concat(chunks).toString('utf8');
      const record = { method: req.method, path, headers: req.headers, body: parseJson(text) ?? text, status: 0, response: null };
      requests.push(record);
      const openai = path === '/v1/responses';
      const errorShape = openai ? openaiError : anthropicError;
      let status = 200;
      let answer;
      try {
        if (req.method !== 'POST' || (!openai && path !== '/v1/messages')) refuse(`No route for ${req.method} ${path}`, { status: 404, type: 'not_found_error' });
        if (openai) {
          if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
            refuse("You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", { status: 401 });
          }
        } else {
          if (!req.headers['x-api-key'] && !/^Bearer \S+/.test(req.headers.authorization ?? '')) {
            refuse('x-api-key header is required', { status: 401, type: 'authentication_error' });
          }
          if (!req.headers['anthropic-version']) refuse('anthropic-version: header is required');
        }
        if (!isObject(record.body)) refuse('The request body is not valid JSON.');
        const betas = (req.headers['anthropic-beta'] ?? '').split(',').map((b) => b.trim()).filter(Boolean);
        answer = openai ? await responses(record.body, policy, mcpRequests) : await messages(record.body, betas, policy, mcpRequests);
      } catch (error) {
        if (!(error instanceof Refusal)) {
          status = 500;
          answer = errorShape({ message: `the test endpoint failed: ${error.stack ?? error}`, type: 'api_error' });
        } else {
          status = error.status;
          answer = errorShape(error);
        }
      }
      record.status = status;
      record.response = answer;
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': newId('req'), 'x-request-id': newId('req'), ...corsHeaders });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    mcpRequests,
    stop: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}
