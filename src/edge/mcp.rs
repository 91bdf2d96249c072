//! The exported `Mcp` class (`env.mcp`): an instance's MCP endpoint (protocol §8.9).
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::client::{js_call, start, to_js, Client};
use crate::core::error::FleetError;
use crate::core::mcp;

/// An instance's MCP endpoint, for agents that drive a model through the environment's tools.
///
/// ```js
/// const response = await openai.responses.create({ model, input, tools: [env.mcp.openai()] });
/// const message = await anthropic.beta.messages.create({
///   model, max_tokens: 1024, messages, mcp_servers: [env.mcp.anthropic()], betas: ['mcp-client-2025-04-04'],
/// });
/// const tools = await env.mcp.listTools();   // [{ name, description, inputSchema }]
/// ```
/// With the hosted configs the model's provider calls the endpoint itself, so it must be able to
/// reach `url` (a flotilla-server on loopback is out of its reach: list the tools and call them
/// from the agent instead; see `examples/agents/openai.mjs`).
#[wasm_bindgen]
pub struct Mcp {
    client: Rc<Client>,
    env_key: String,
    url: Option<String>,
}

impl Mcp {
    pub fn new(client: Rc<Client>, env_key: String, url: Option<String>) -> Mcp {
        Mcp { client, env_key, url }
    }

    fn url_or_error(&self) -> Result<String, FleetError> {
        self.url
            .clone()
            .ok_or_else(|| FleetError::invalid_response("this instance has no MCP URL (it has no urls.root)"))
    }
}

#[wasm_bindgen]
impl Mcp {
    /// The endpoint: the instance's `urls.root` + `mcp`; null when the instance has no URLs.
    #[wasm_bindgen(getter, unchecked_return_type = "string | null")]
    pub fn url(&self) -> JsValue {
        self.url.as_deref().map_or(JsValue::NULL, JsValue::from_str)
    }

    /// A hosted MCP tool for the OpenAI Responses API:
    /// `{ type: 'mcp', server_label: envKey, server_url: url, require_approval: 'never' }`.
    #[wasm_bindgen(unchecked_return_type = "OpenAiMcpTool")]
    pub fn openai(&self) -> Result<JsValue, JsValue> {
        let url = self.url_or_error().map_err(|e| self.client.fail(e))?;
        to_js(&mcp::openai(&self.env_key, &url)).map_err(|e| self.client.fail(e))
    }

    /// An MCP server for the Anthropic Messages API (`mcp_servers`, beta `mcp-client-2025-04-04`):
    /// `{ type: 'url', url, name: envKey }`.
    #[wasm_bindgen(unchecked_return_type = "AnthropicMcpServer")]
    pub fn anthropic(&self) -> Result<JsValue, JsValue> {
        let url = self.url_or_error().map_err(|e| self.client.fail(e))?;
        to_js(&mcp::anthropic(&self.env_key, &url)).map_err(|e| self.client.fail(e))
    }

    /// The server's tools (`tools/list`, sent as fleet-python sends it: no Fleet headers, so the
    /// API key never goes to the instance).
    #[wasm_bindgen(js_name = listTools, unchecked_return_type = "Promise<McpTool[]>")]
    pub fn list_tools(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let client = self.client.clone();
        let url = self.url_or_error();
        js_call!(client, {
            let url = url?;
            let started = start(&client, &opts)?;
            to_js(&mcp::list_tools(&started.call(), &url).await?)
        })
    }
}
