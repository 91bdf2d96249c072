//! The help desk's MCP endpoint: JSON-RPC 2.0 `initialize`, `tools/list` and `tools/call`,
//! answered as plain JSON (fleet-python's `list_tools` cannot read server-sent events).
use rusqlite::Connection;
use serde_json::{json, Value};

use super::helpdesk::{self, NewTicket, TicketChanges};

fn tool(name: &str, description: &str, properties: Value, required: &[&str]) -> Value {
    json!({ "name": name, "description": description,
            "inputSchema": { "type": "object", "properties": properties, "required": required } })
}

pub fn tools() -> Value {
    let id = json!({ "type": "integer", "description": "Ticket number" });
    json!([
        tool(
            "list_tickets",
            "List tickets, optionally searching subject/body/customer and filtering by status.",
            json!({ "query": { "type": "string" }, "status": { "type": "string", "enum": helpdesk::STATUSES } }),
            &[]
        ),
        tool("get_ticket", "Read one ticket with its comments.", json!({ "id": id }), &["id"]),
        tool(
            "create_ticket",
            "Open a new ticket for a customer (by name).",
            json!({ "subject": { "type": "string" }, "customer": { "type": "string" }, "body": { "type": "string" },
                     "priority": { "type": "string", "enum": helpdesk::PRIORITIES }, "assignee": { "type": "string" } }),
            &["subject", "customer"]
        ),
        tool(
            "update_ticket",
            "Change a ticket's subject, status, priority or assignee (\"\" unassigns).",
            json!({ "id": id, "subject": { "type": "string" }, "status": { "type": "string", "enum": helpdesk::STATUSES },
                     "priority": { "type": "string", "enum": helpdesk::PRIORITIES }, "assignee": { "type": "string" } }),
            &["id"]
        ),
        tool("delete_ticket", "Delete a ticket and its comments.", json!({ "id": id }), &["id"]),
        tool(
            "add_comment",
            "Add a comment to a ticket.",
            json!({ "id": id, "body": { "type": "string" }, "author": { "type": "string" } }),
            &["id", "body"]
        ),
        tool("list_customers", "List customers with their email and plan.", json!({}), &[]),
        tool(
            "update_customer_email",
            "Change a customer's contact email.",
            json!({ "id": { "type": "integer" }, "email": { "type": "string" } }),
            &["id", "email"]
        ),
    ])
}

fn parse<T: serde::de::DeserializeOwned>(v: &Value) -> Result<T, String> {
    serde_json::from_value(v.clone()).map_err(|e| format!("bad arguments: {e}"))
}

fn call(conn: &Connection, name: &str, args: &Value, now: &str) -> Result<Value, String> {
    let id = || args.get("id").and_then(Value::as_i64).ok_or("`id` (an integer) is required".to_string());
    let str_arg = |k: &str| args.get(k).and_then(Value::as_str);
    let outcome = match name {
        "list_tickets" => helpdesk::list_tickets(conn, str_arg("query"), str_arg("status")).map(Value::from),
        "get_ticket" => helpdesk::get_ticket(conn, id()?),
        "create_ticket" => helpdesk::create_ticket(conn, &parse::<NewTicket>(args)?, now),
        "update_ticket" => helpdesk::update_ticket(conn, id()?, &parse::<TicketChanges>(args)?, now),
        "delete_ticket" => helpdesk::delete_ticket(conn, id()?),
        "add_comment" => helpdesk::add_comment(conn, id()?, str_arg("author"), str_arg("body").unwrap_or(""), now),
        "list_customers" => helpdesk::list_customers(conn).map(Value::from),
        "update_customer_email" => helpdesk::update_customer_email(conn, id()?, str_arg("email").unwrap_or("")),
        other => return Err(format!("unknown tool '{other}'")),
    };
    outcome.map_err(|(_, message)| message)
}

/// Answers one JSON-RPC request.
pub fn handle(conn: &Connection, request: &Value, now: &str) -> Value {
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let method = request.get("method").and_then(Value::as_str).unwrap_or("");
    let params = request.get("params").cloned().unwrap_or(json!({}));
    let result = match method {
        "initialize" => json!({ "protocolVersion": "2025-03-26", "capabilities": { "tools": {} },
                                "serverInfo": { "name": "flotilla-helpdesk", "version": env!("CARGO_PKG_VERSION") } }),
        "tools/list" => json!({ "tools": tools() }),
        "tools/call" => {
            let name = params.get("name").and_then(Value::as_str).unwrap_or("");
            let args = params.get("arguments").cloned().unwrap_or(json!({}));
            match call(conn, name, &args, now) {
                Ok(v) => {
                    json!({ "content": [{ "type": "text", "text": v.to_string() }], "structuredContent": { "result": v }, "isError": false })
                }
                Err(message) => json!({ "content": [{ "type": "text", "text": message }], "isError": true }),
            }
        }
        "ping" => json!({}),
        _ => {
            return json!({ "jsonrpc": "2.0", "id": id, "error": { "code": -32601, "message": format!("method '{method}' not found") } })
        }
    };
    json!({ "jsonrpc": "2.0", "id": id, "result": result })
}
