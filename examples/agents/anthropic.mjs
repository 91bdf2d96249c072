// A model-driven agent for `flotilla eval`: a Claude model (the Messages API, through the
// official `@anthropic-ai/sdk` package) does the task with the environment's MCP tools.
//
//   npm install --prefix examples
//   ANTHROPIC_API_KEY=... flotilla eval --agent examples/agents/anthropic.mjs --env helpdesk
//
// FLOTILLA_MCP_MODE picks who calls the tools:
//   local (default)  the agent lists them (`env.mcp.listTools()`), gives them to the model as
//                    tools, runs each `tool_use` block against the env's MCP endpoint and answers
//                    with `tool_result` blocks. Works with a flotilla-server on loopback.
//   hosted           the MCP connector (beta `mcp-client-2025-04-04`): `mcp_servers:
//                    [env.mcp.anthropic()]`, Anthropic calls the MCP server itself and answers with
//                    `mcp_tool_use` and `mcp_tool_result` blocks. The endpoint must be reachable
//                    from Anthropic (not a loopback address).
// ANTHROPIC_MODEL picks the model (default claude-sonnet-4-5); the client reads ANTHROPIC_API_KEY
// and ANTHROPIC_BASE_URL. The key goes to the model provider only, never to the Fleet server.
import Anthropic from '@anthropic-ai/sdk';
import { INSTRUCTIONS, MAX_TURNS, mcpMode, callTool, assistant, toolMessage, chatLog, checkCalls } from './mcp-tools.mjs';

const MAX_TOKENS = 4096;
let client;
const anthropic = () => (client ??= new Anthropic());
const model = () => process.env.ANTHROPIC_MODEL || 'claude-sonnet-4-5';

const resultText = (content) => (typeof content === 'string' ? content : content.map((c) => c.text ?? '').join('\n'));

export default async function anthropicAgent({ task, env, session, signal }) {
  const run = mcpMode() === 'hosted' ? hosted : local;
  const log = chatLog(task, session);
  try {
    return await run(task, env, log, signal);
  } catch (error) {
    await log.flush().catch(() => {}); // the last tool results, if any, for whoever reads the transcript
    throw error;
  }
}

/** The agent calls the tools: `tool_use` blocks out, `tool_result` blocks back. */
async function local(task, env, log, signal) {
  const tools = (await env.mcp.listTools({ signal })).map((t) => ({
    name: t.name,
    ...(t.description ? { description: t.description } : {}),
    input_schema: t.inputSchema,
  }));
  const messages = [{ role: 'user', content: task.prompt }];
  for (let turn = 0; turn < MAX_TURNS; turn += 1) {
    const message = await anthropic().messages.create(
      { model: model(), max_tokens: MAX_TOKENS, system: INSTRUCTIONS, messages, tools }, { signal });
    const calls = checkCalls(message.content.filter((block) => block.type === 'tool_use'));
    const text = message.content.filter((block) => block.type === 'text').map((block) => block.text).join('');
    if (calls.length === 0) {
      await log.turn(assistant(text));
      return text.trim();
    }
    await log.turn(assistant(text, calls.map((c) => ({ id: c.id, name: c.name, arguments: JSON.stringify(c.input ?? {}) }))));
    messages.push({ role: 'assistant', content: message.content });
    const results = [];
    for (const call of calls) {
      const result = await callTool(env, call.name, call.input ?? {}, signal);
      await log.toolResult(call.id, result.text);
      results.push({ type: 'tool_result', tool_use_id: call.id, content: result.text, is_error: result.isError });
    }
    messages.push({ role: 'user', content: results });
  }
  throw new Error(`no answer after ${MAX_TURNS} model turns`);
}

/** Anthropic calls the tools: the message holds `mcp_tool_use` / `mcp_tool_result` blocks, then text. */
async function hosted(task, env, log, signal) {
  const mcpServers = [env.mcp.anthropic()];
  const messages = [{ role: 'user', content: task.prompt }];
  for (let turn = 0; turn < MAX_TURNS; turn += 1) {
    const message = await anthropic().beta.messages.create({
      model: model(), max_tokens: MAX_TOKENS, system: INSTRUCTIONS, messages,
      mcp_servers: mcpServers, betas: ['mcp-client-2025-04-04'],
    }, { signal });
    // In chat form: each call the provider made, with its result, then the last words.
    const chat = [];
    let text = '';
    for (const block of message.content) {
      if (block.type === 'text') text += block.text;
      else if (block.type === 'mcp_tool_use') {
        chat.push(assistant(text, [{ id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) }]));
        text = '';
      } else if (block.type === 'mcp_tool_result') {
        const content = resultText(block.content);
        chat.push(toolMessage(block.tool_use_id, block.is_error ? `error: ${content}` : content));
      }
    }
    // `pause_turn`: the provider paused a long turn; sending its content back lets it go on.
    if (message.stop_reason === 'pause_turn') {
      if (chat.length) await log.turn(...chat);
      messages.push({ role: 'assistant', content: message.content });
      continue;
    }
    await log.turn(...chat, assistant(text));
    return text.trim();
  }
  throw new Error(`no answer after ${MAX_TURNS} model turns`);
}
