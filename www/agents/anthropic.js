// A model-driven agent for the playground: the Anthropic Messages API (`POST /v1/messages`), called
// from the browser with fetch and the key the user pasted (Anthropic asks browser callers to say so
// with `anthropic-dangerous-direct-browser-access`), the env's MCP tools given to the model as
// tools and called by the agent. The key lives in the worker's memory only: it goes to `baseUrl`
// and nowhere else. The Node example with the official package is examples/agents/anthropic.mjs.
import { INSTRUCTIONS, MAX_TURNS, assistant, callTool, chatLog, checkCalls, providerError } from '/examples/agents/mcp-tools.mjs';

export function createAgent({ apiKey, model = 'claude-sonnet-4-5', baseUrl = 'https://api.anthropic.com' }) {
  const url = `${baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1/messages`;
  return async function anthropicAgent({ task, env, session, signal }) {
    const tools = (await env.mcp.listTools({ signal })).map((t) => ({
      name: t.name, description: t.description ?? '', input_schema: t.inputSchema ?? { type: 'object' },
    }));
    const log = chatLog(task, session);
    const messages = [{ role: 'user', content: task.prompt }];
    for (let turn = 0; turn < MAX_TURNS; turn += 1) {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'x-api-key': apiKey,
          'anthropic-version': '2023-06-01',
          'anthropic-dangerous-direct-browser-access': 'true',
        },
        body: JSON.stringify({ model, max_tokens: 4096, system: INSTRUCTIONS, messages, tools }),
        signal,
      });
      if (!response.ok) throw await providerError(response, 'Anthropic');
      const { content = [] } = await response.json();
      const calls = checkCalls(content.filter((block) => block.type === 'tool_use'));
      const text = content.filter((block) => block.type === 'text').map((block) => block.text).join('');
      if (calls.length === 0) {
        await log.turn(assistant(text));
        return text.trim();
      }
      await log.turn(assistant(text, calls.map((c) => ({ id: c.id, name: c.name, arguments: JSON.stringify(c.input ?? {}) }))));
      messages.push({ role: 'assistant', content });
      const results = [];
      for (const call of calls) {
        const result = await callTool(env, call.name, call.input ?? {}, signal);
        await log.toolResult(call.id, result.text);
        results.push({ type: 'tool_result', tool_use_id: call.id, content: result.text, is_error: result.isError });
      }
      messages.push({ role: 'user', content: results });
    }
    throw new Error(`no answer after ${MAX_TURNS} model turns`);
  };
}
