// What the model-driven agents share (openai.mjs and anthropic.mjs here, and the playground's
// browser agents in www/agents/, which import this file): calling the environment's MCP tools
// from the agent, what they tell the model, and a transcript of each model turn and tool result
// logged to the session in OpenAI chat form. Runs in Node and in browsers alike.

/** What the agents tell the model. */
export const INSTRUCTIONS = 'You operate a web application through its tools, and only through them. Do exactly what '
  + 'the task asks and change nothing else. When the task asks a question, end with the answer alone: no '
  + 'other words.';

/** Model turns an agent allows itself before it gives up. */
export const MAX_TURNS = 20;

/** Tool calls one model turn may ask for: a model asking for more is refused (a hostile or broken
 * model could otherwise ask for thousands at once). */
export const MAX_CALLS_PER_TURN = 16;

/** Refuses a turn with more than MAX_CALLS_PER_TURN tool calls. */
export function checkCalls(calls) {
  if (calls.length > MAX_CALLS_PER_TURN) {
    throw new Error(`the model asked for ${calls.length} tool calls in one turn; at most ${MAX_CALLS_PER_TURN} are run`);
  }
  return calls;
}

/** How the agents reach the tools: `local` (the agent calls them) or `hosted` (the provider does). */
export function mcpMode() {
  const mode = process.env.FLOTILLA_MCP_MODE || 'local';
  if (mode !== 'local' && mode !== 'hosted') throw new Error(`FLOTILLA_MCP_MODE must be local or hosted, got "${mode}"`);
  return mode;
}

let rpcId = 0;

/**
 * Calls one of the environment's MCP tools (JSON-RPC `tools/call` on `env.mcp.url`). Resolves to
 * `{ text, isError }`: a tool that failed is a result the model sees, not an exception.
 */
export async function callTool(env, name, args, signal) {
  const response = await fetch(env.mcp.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method: 'tools/call', params: { name, arguments: args } }),
    signal,
  });
  if (!response.ok) return { text: `error: the MCP server answered ${response.status}`, isError: true };
  const { result, error } = await response.json().catch(() => ({ error: { message: 'the MCP server answered no JSON' } }));
  if (error || !result) return { text: `error: ${error?.message ?? 'the MCP server answered no result'}`, isError: true };
  const text = (result.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
  return { text, isError: Boolean(result.isError) };
}

/** Parses a model's tool arguments (a JSON string); null when they are not a JSON object. */
export function parseArguments(text) {
  try {
    const args = JSON.parse(text || '{}');
    return args && typeof args === 'object' && !Array.isArray(args) ? args : null;
  } catch {
    return null;
  }
}

/** An assistant message in chat form: its text, and the tools it called (`[{ id, name, arguments }]`). */
export function assistant(text, calls = []) {
  if (calls.length === 0) return { role: 'assistant', content: text ?? '' };
  return {
    role: 'assistant',
    content: text || null,
    tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
  };
}

/** A tool's result in chat form. */
export const toolMessage = (id, content) => ({ role: 'tool', tool_call_id: id, content });

/**
 * The conversation in OpenAI chat form, logged to the session once per model turn:
 * `session.log(history, response)`, where `response` is the turn's last message.
 */
export function chatLog(task, session) {
  const history = [{ role: 'user', content: task.prompt }];
  return {
    /**
     * Logs one model turn: `messages` are what it produced (for a provider that ran the tools
     * itself, each call and its result, then its last words). Tool results the agent gets
     * afterwards go in with `toolResult`.
     */
    async turn(...messages) {
      const response = messages.pop();
      history.push(...messages);
      await session.log(history, response);
      history.push(response);
    },
    /** A tool's result, logged at once, so a watcher (the playground) sees it as it comes. */
    async toolResult(id, content) {
      history.push(toolMessage(id, content));
      await session.log(history);
    },
    /** Logs what is left (the last tool results), e.g. before giving up. */
    async flush() {
      await session.log(history);
    },
  };
}

/** A provider's error answer (`fetch` Response) as an Error with the provider's own message. */
export async function providerError(response, provider) {
  let detail;
  try {
    const body = await response.json();
    detail = body.error?.message ?? JSON.stringify(body);
  } catch {
    detail = response.statusText;
  }
  return new Error(`${provider} answered ${response.status}: ${detail}`);
}
