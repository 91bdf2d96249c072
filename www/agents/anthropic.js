// A model-driven agent for the playground: the Anthropic Messages API (`POST /v1/messages`),
// called from the browser with the key the user pasted (Anthropic asks browser callers to say so
// with `anthropic-dangerous-direct-browser-access`), and the env's MCP tools given to the model
// as tools. The key lives in the worker's memory only: it goes to `baseUrl` and nowhere else.
import { listTools, callTool, chatLog, INSTRUCTIONS, providerError } from './mcp.js';

const MAX_TURNS = 20;

export function createAgent({ apiKey, model = 'claude-sonnet-4-5', baseUrl = 'https://api.anthropic.com' }) {
  const url = `${baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1/messages`;
  return async function anthropicAgent({ task, env, session, signal }) {
    const tools = (await listTools(env, signal)).map((t) => ({
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
        body: JSON.stringify({ model, max_tokens: 2048, system: INSTRUCTIONS, messages, tools }),
        signal,
      });
      if (!response.ok) throw await providerError(response, 'Anthropic');
      const { content = [] } = await response.json();
      const calls = content.filter((block) => block.type === 'tool_use');
      const text = content.filter((block) => block.type === 'text').map((block) => block.text).join('');
      if (calls.length === 0) {
        await log.answer(text);
        return text.trim();
      }
      await log.toolCalls(text, calls.map((c) => ({ id: c.id, name: c.name, args: c.input ?? {} })));
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
