// A model-driven agent for `flotilla eval`: an OpenAI model (the Responses API, through the
// official `openai` package) does the task with the environment's MCP tools.
//
//   npm install --prefix examples
//   OPENAI_API_KEY=... flotilla eval --agent examples/agents/openai.mjs --env helpdesk
//
// FLOTILLA_MCP_MODE picks who calls the tools:
//   local (default)  the agent lists them (`env.mcp.listTools()`), gives them to the model as
//                    function tools, and runs each `function_call` against the env's MCP endpoint.
//                    Works with a flotilla-server on loopback.
//   hosted           `tools: [env.mcp.openai()]`: OpenAI calls the MCP server itself and answers
//                    with `mcp_list_tools` and `mcp_call` items, then a message. The endpoint must
//                    be reachable from OpenAI (not a loopback address).
// OPENAI_MODEL picks the model (default gpt-4.1); the client reads OPENAI_API_KEY and
// OPENAI_BASE_URL. The key goes to the model provider only, never to the Fleet server.
import OpenAI from 'openai';
import { INSTRUCTIONS, MAX_TURNS, mcpMode, callTool, parseArguments, assistant, toolMessage, chatLog, checkCalls } from './mcp-tools.mjs';

let client;
const openai = () => (client ??= new OpenAI());
const model = () => process.env.OPENAI_MODEL || 'gpt-4.1';

/** The text of an output `message` item. */
const messageText = (item) => item.content.map((c) => (c.type === 'output_text' ? c.text : c.type === 'refusal' ? c.refusal : '')).join('');

export default async function openaiAgent({ task, env, session, signal }) {
  const run = mcpMode() === 'hosted' ? hosted : local;
  const log = chatLog(task, session);
  try {
    return await run(task, env, log, signal);
  } catch (error) {
    await log.flush().catch(() => {}); // the last tool results, if any, for whoever reads the transcript
    throw error;
  }
}

/** The agent calls the tools: function tools in, `function_call` items out, results back. */
async function local(task, env, log, signal) {
  const tools = (await env.mcp.listTools({ signal })).map((t) => ({
    type: 'function',
    name: t.name,
    description: t.description,
    parameters: t.inputSchema,
    // The MCP schemas have optional arguments. Left out, `strict` lets the Responses API make a
    // schema strict when it can, and a strict model fills every argument (update_ticket's subject).
    strict: false,
  }));
  const input = [{ role: 'user', content: task.prompt }];
  for (let turn = 0; turn < MAX_TURNS; turn += 1) {
    const response = await openai().responses.create({ model: model(), instructions: INSTRUCTIONS, input, tools }, { signal });
    const calls = checkCalls(response.output.filter((item) => item.type === 'function_call'));
    const text = response.output.filter((item) => item.type === 'message').map(messageText).join('');
    if (calls.length === 0) {
      await log.turn(assistant(text));
      return text.trim();
    }
    await log.turn(assistant(text, calls.map((c) => ({ id: c.call_id, name: c.name, arguments: c.arguments }))));
    input.push(...response.output);
    for (const call of calls) {
      const args = parseArguments(call.arguments);
      const result = args ? await callTool(env, call.name, args, signal) : { text: 'error: the arguments are not a JSON object' };
      await log.toolResult(call.call_id, result.text);
      input.push({ type: 'function_call_output', call_id: call.call_id, output: result.text });
    }
  }
  throw new Error(`no answer after ${MAX_TURNS} model turns`);
}

const mcpError = (error) => (typeof error === 'string' ? error : error.message ?? JSON.stringify(error.content ?? error));

/** OpenAI calls the tools: the response holds each `mcp_call` with its output, then a message. */
async function hosted(task, env, log, signal) {
  const tools = [env.mcp.openai()];
  const input = [{ role: 'user', content: task.prompt }];
  for (let turn = 0; turn < MAX_TURNS; turn += 1) {
    const response = await openai().responses.create({ model: model(), instructions: INSTRUCTIONS, input, tools }, { signal });
    // In chat form: each call the provider made, with its result, then the last words.
    const messages = [];
    let text = '';
    let answered = false;
    for (const item of response.output) {
      if (item.type === 'mcp_approval_request') {
        throw new Error(`OpenAI asks to approve the call of ${item.name}: the MCP tool needs require_approval "never"`);
      }
      if (item.type === 'message') {
        text += messageText(item);
        answered = true;
      } else if (item.type === 'mcp_call') {
        messages.push(assistant(text, [{ id: item.id, name: item.name, arguments: item.arguments }]));
        messages.push(toolMessage(item.id, item.error ? `error: ${mcpError(item.error)}` : item.output ?? ''));
        text = '';
        answered = false;
      }
    }
    if (answered) {
      await log.turn(...messages, assistant(text));
      return text.trim();
    }
    if (response.status === 'incomplete') {
      if (messages.length) await log.turn(...messages);
      throw new Error(`the response is incomplete: ${response.incomplete_details?.reason ?? 'no reason given'}`);
    }
    if (messages.length === 0) throw new Error('the model answered nothing');
    // Tool calls but no message yet (e.g. the provider stopped at its tool-call limit): go on.
    await log.turn(...messages);
    input.push(...response.output);
  }
  throw new Error(`no answer after ${MAX_TURNS} model turns`);
}
