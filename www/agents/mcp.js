// What the playground's model-driven agents share: the environment's MCP tools, called from the
// agent (the model's provider cannot reach a flotilla-server on loopback), and a transcript of
// each turn logged to the session as it happens.

/** The env's tools, as `[{ name, description, inputSchema }]`. */
export const listTools = (env, signal) => env.mcp.listTools({ signal });

/** Calls one MCP tool; resolves to `{ text, isError }` (a failed tool is a result the model sees). */
export async function callTool(env, name, args, signal) {
  const response = await fetch(env.mcp.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
    signal,
  });
  const { result, error } = await response.json();
  if (error) return { text: `error: ${error.message}`, isError: true };
  const text = (result.content ?? []).map((c) => c.text ?? '').join('\n');
  return { text, isError: Boolean(result.isError) };
}

/**
 * The conversation in OpenAI chat form, logged to the session after each model turn and each tool
 * result, so a watcher sees every step as it happens.
 */
export function chatLog(task, session) {
  const history = [{ role: 'user', content: task.prompt }];
  return {
    /** The model asked for tools: `calls` are `[{ id, name, args }]`. */
    async toolCalls(text, calls) {
      const message = {
        role: 'assistant',
        content: text || null,
        tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } })),
      };
      await session.log(history, message);
      history.push(message);
    },
    /** A tool's result. */
    async toolResult(id, text) {
      history.push({ role: 'tool', tool_call_id: id, content: text });
      await session.log(history);
    },
    /** The model's last words. */
    async answer(text) {
      await session.log(history, { role: 'assistant', content: text });
    },
  };
}

/** What the agents tell the model. */
export const INSTRUCTIONS = 'You operate a web application through its tools. Do exactly what the task asks, using '
  + 'the tools, and change nothing else. When the task asks a question, end with the answer alone.';

/** Turns a failed provider answer into an Error with the provider's own message. */
export async function providerError(response, provider) {
  let detail = '';
  try {
    const body = await response.json();
    detail = body.error?.message ?? JSON.stringify(body);
  } catch {
    detail = response.statusText;
  }
  return new Error(`${provider} answered ${response.status}: ${detail}`);
}
