// Tools for agents on the demo help desk: its JSON API and its MCP tools, each call logged to the
// session as an assistant tool call and its result, so the job has a real transcript.

/** Calls one of the environment's MCP tools (JSON-RPC `tools/call`). */
export async function mcp(env, name, args) {
  const response = await fetch(env.urls.mcp, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
  });
  const { result, error } = await response.json();
  if (error || result.isError) throw new Error(`${name}: ${error?.message ?? result.content[0].text}`);
  return result.structuredContent.result;
}

/** Calls the environment's JSON API. */
export async function api(env, method, path, body) {
  const response = await fetch(`${env.urls.api}${path}`, {
    method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${data.detail}`);
  return data;
}

/** A transcript kept as the agent goes: each step is a tool call and its result. */
export function transcript(task, session) {
  const history = [{ role: 'user', content: task.prompt }];
  let n = 0;
  return {
    /** Runs `act`, logging the tool call `name(args)` before and its result after, so a
     * watcher (the playground) sees each as it happens. */
    async step(name, args, act) {
      const id = `call_${++n}`;
      const call = { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name, arguments: JSON.stringify(args) } }] };
      await session.log(history, call);
      history.push(call);
      const result = await act();
      history.push({ role: 'tool', tool_call_id: id, content: JSON.stringify(result ?? null) });
      await session.log(history);
      return result;
    },
    /** The final words (and answer). */
    async finish(text) {
      await session.log(history, { role: 'assistant', content: text });
    },
  };
}
