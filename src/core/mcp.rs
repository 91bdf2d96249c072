//! An instance's MCP endpoint (protocol §8.9): the tool configurations the OpenAI Responses API
//! and the Anthropic Messages API take, built locally, and `tools/list`.
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::call::Call;
use super::error::FleetError;
use super::http::{HttpRequest, Method};
use super::io::{decode, Io};

/// A hosted MCP tool of the OpenAI Responses API (`tools: [env.mcp.openai()]`): the provider
/// calls the server itself, so `server_url` must be reachable from the provider.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct OpenAiMcpTool {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub server_label: String,
    pub server_url: String,
    pub require_approval: &'static str,
}

/// An MCP server of the Anthropic Messages API (`mcp_servers: [env.mcp.anthropic()]`, beta
/// `mcp-client-2025-04-04`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct AnthropicMcpServer {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub url: String,
    pub name: String,
}

/// `env.mcp.openai()`: the shape of protocol §8.9.
pub fn openai(env_key: &str, url: &str) -> OpenAiMcpTool {
    OpenAiMcpTool { kind: "mcp", server_label: env_key.into(), server_url: url.into(), require_approval: "never" }
}

/// `env.mcp.anthropic()`: the shape of protocol §8.9.
pub fn anthropic(env_key: &str, url: &str) -> AnthropicMcpServer {
    AnthropicMcpServer { kind: "url", url: url.into(), name: env_key.into() }
}

/// One tool of the server (`McpTool`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct McpTool {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The JSON Schema of the tool's arguments, as the server gave it.
    #[serde(default)]
    pub input_schema: Option<Value>,
}

/// `{"result": {"tools": [...]}}`, or a JSON-RPC `error`.
#[derive(Debug, Deserialize)]
struct ListAnswer {
    result: Option<ToolList>,
    error: Option<RpcError>,
}

#[derive(Debug, Deserialize)]
struct ToolList {
    tools: Vec<McpTool>,
}

#[derive(Debug, Deserialize)]
struct RpcError {
    message: String,
}

/// The body fleet-python's `list_tools` sends (aiohttp's JSON, with spaces): no `initialize`
/// first, no Fleet headers.
pub const LIST_TOOLS_BODY: &str = r#"{"jsonrpc": "2.0", "method": "tools/list", "params": {}, "id": 2}"#;

pub fn list_tools_request(url: &str) -> HttpRequest {
    HttpRequest {
        method: Method::Post,
        url: url.to_string(),
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: Some(LIST_TOOLS_BODY.into()),
        request_id: String::new(),
        replay_safe: true,
    }
}

/// How long `tools/list` waits by default (a call's `timeoutMs` overrides it): an endpoint that
/// never answers should not hold an agent for the client's 5-minute default.
pub const LIST_TOOLS_TIMEOUT_MS: f64 = 30_000.0;

/// `tools/list` on the instance's MCP endpoint. A JSON-RPC error is an `APIError`.
pub async fn list_tools<I: Io>(call: &Call<'_, I>, url: &str) -> Result<Vec<McpTool>, FleetError> {
    let answer: ListAnswer = decode(&call.send(&list_tools_request(url), Some(LIST_TOOLS_TIMEOUT_MS)).await?, "")?;
    match (answer.result, answer.error) {
        (Some(list), _) => Ok(list.tools),
        (None, Some(e)) => Err(FleetError::new(super::error::ErrorKind::Api, format!("MCP tools/list: {}", e.message))),
        (None, None) => Err(FleetError::invalid_response("MCP tools/list answered neither result nor error")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::core::error::ErrorKind;
    use crate::core::testing::{call, client, run, FakeIo, Reply};

    #[test]
    fn configs_have_the_shapes_of_section_8_9() {
        let url = "http://h/i/x/mcp";
        assert_eq!(
            serde_json::to_value(openai("helpdesk", url)).unwrap(),
            json!({ "type": "mcp", "server_label": "helpdesk", "server_url": url, "require_approval": "never" })
        );
        assert_eq!(
            serde_json::to_value(anthropic("helpdesk", url)).unwrap(),
            json!({ "type": "url", "url": url, "name": "helpdesk" })
        );
    }

    #[test]
    fn list_tools_sends_fleet_pythons_body_without_fleet_headers() {
        let client = client();
        let tools = json!({ "result": { "tools": [{ "name": "a", "description": "d", "inputSchema": { "type": "object" } }, { "name": "b" }] } });
        let io = FakeIo::new([Reply::Json(200, tools)]);
        let listed = run(list_tools(&call(&client, &io), "http://h/i/x/mcp")).unwrap();
        assert_eq!(io.timeouts.borrow()[0], LIST_TOOLS_TIMEOUT_MS);
        assert_eq!(listed[0].input_schema, Some(json!({ "type": "object" })));
        assert_eq!((listed[1].name.as_str(), &listed[1].description), ("b", &None));
        let sent = io.sent.borrow();
        assert_eq!(sent[0].body.as_deref(), Some(LIST_TOOLS_BODY));
        assert_eq!(sent[0].headers, [("Content-Type".to_string(), "application/json".to_string())], "no key sent");
        assert_eq!(serde_json::to_value(&listed[0]).unwrap()["inputSchema"], json!({ "type": "object" }));

        let io = FakeIo::new([Reply::Json(
            200,
            json!({ "jsonrpc": "2.0", "id": 2, "error": { "code": -32601, "message": "nope" } }),
        )]);
        let e = run(list_tools(&call(&client, &io), "http://h/mcp")).unwrap_err();
        assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Api, "MCP tools/list: nope"));
        let io = FakeIo::new([Reply::Json(200, json!({ "jsonrpc": "2.0" }))]);
        assert_eq!(run(list_tools(&call(&client, &io), "http://h/mcp")).unwrap_err().kind, ErrorKind::InvalidResponse);
    }
}
