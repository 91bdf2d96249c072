// A model-driven agent for the playground: the OpenAI Responses API (`POST /v1/responses`), called
// from the browser with fetch and the key the user pasted, the env's MCP tools given to the model
// as function tools and called by the agent (the provider cannot reach a loopback server). The
// key lives in the worker's memory only: it goes to `baseUrl` and nowhere else. The Node example
// with the official `openai` package is examples/agents/openai.mjs.
import {
  INSTRUCTIONS, MAX_TURNS, assistant, callTool, chatLog, checkCalls, parseArguments, providerError,
} from '/examples/agents/mcp-tools.mjs';

export function createAgent({ apiKey, model = 'gpt-4.1', baseUrl = 'https://api.openai.com/v1' }) {
  const url = `${baseUrl.replace(/\/+$/, '')}/responses`;
  return async function openaiAgent({ task, env, session, signal }) {
    const tools = (await env.mcp.listTools({ signal })).map((t) => ({
      type: 'function', name: t.name, description: t.description ?? '', parameters: t.inputSchema ?? { type: 'object' }, strict: false,
    }));
    const log = chatLog(task, session);
    const input = [{ role: 'user', content: task.prompt }];
    for (let turn = 0; turn < MAX_TURNS; turn += 1) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ model, instructions: INSTRUCTIONS, input, tools }),
        signal,
      });
      if (!response.ok) throw await providerError(response, 'OpenAI');
      const { output = [] } = await response.json();
      const calls = checkCalls(output.filter((item) => item.type === 'function_call'));
      const text = output.filter((item) => item.type === 'message')
        .flatMap((m) => m.content ?? []).filter((c) => c.type === 'output_text').map((c) => c.text).join('');
      if (calls.length === 0) {
        await log.turn(assistant(text));
        return text.trim();
      }
      await log.turn(assistant(text, calls.map((c) => ({ id: c.call_id, name: c.name, arguments: c.arguments }))));
      input.push(...output);
      for (const call of calls) {
        const args = parseArguments(call.arguments);
        const result = args ? await callTool(env, call.name, args, signal) : { text: 'error: the arguments are not a JSON object' };
        await log.toolResult(call.call_id, result.text);
        input.push({ type: 'function_call_output', call_id: call.call_id, output: result.text });
      }
    }
    throw new Error(`no answer after ${MAX_TURNS} model turns`);
  };
}
