//! HTML pages of the help desk: plain forms, usable by a person or a browser agent.
use serde_json::Value;

use super::helpdesk::{PRIORITIES, STATUSES};

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn text(v: &Value, key: &str) -> String {
    esc(v.get(key).and_then(Value::as_str).unwrap_or(""))
}

const STYLE: &str = "body{font:15px/1.4 system-ui,sans-serif;margin:0;color:#1f2933;background:#f7f8fa}
header{background:#243b53;color:#fff;padding:10px 20px;display:flex;gap:20px;align-items:center}
header a{color:#fff;text-decoration:none}main{padding:16px 20px;max-width:960px}
table{border-collapse:collapse;width:100%;background:#fff}td,th{border-bottom:1px solid #e4e7eb;padding:6px 8px;text-align:left}
.badge{padding:1px 8px;border-radius:10px;background:#e4e7eb;font-size:13px}.urgent,.high{background:#fbd5d5}
form.inline{display:inline}label{display:block;margin:8px 0 2px}input,select,textarea{font:inherit;padding:4px}
button{font:inherit;padding:4px 12px;cursor:pointer}.error{background:#fde8e8;padding:8px;border-radius:4px}
.comment{background:#fff;border:1px solid #e4e7eb;padding:8px;margin:6px 0;border-radius:4px}";

/// The page frame. `base` is the app's root path, ending in `/`.
pub fn layout(base: &str, title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t} · Help desk</title>\
         <style>{STYLE}</style></head><body><header><strong>Help desk</strong>\
         <a href=\"{base}\">Tickets</a><a href=\"{base}tickets/new\">New ticket</a><a href=\"{base}customers\">Customers</a>\
         </header><main><h1>{t}</h1>{body}</main></body></html>",
        t = esc(title)
    )
}

fn options(values: &[&str], selected: &str) -> String {
    values
        .iter()
        .map(|v| format!("<option value=\"{v}\"{}>{v}</option>", if *v == selected { " selected" } else { "" }))
        .collect()
}

pub fn ticket_list(base: &str, tickets: &[Value], query: &str, status: &str) -> String {
    let rows: String = tickets
        .iter()
        .map(|t| {
            let p = text(t, "priority");
            format!(
                "<tr><td>#{id}</td><td><a href=\"{base}tickets/{id}\">{subject}</a></td><td>{customer}</td>\
                 <td>{status}</td><td><span class=\"badge {p}\">{p}</span></td><td>{assignee}</td></tr>",
                id = t["id"],
                subject = text(t, "subject"),
                customer = text(t, "customer"),
                status = text(t, "status"),
                assignee = text(t, "assignee"),
            )
        })
        .collect();
    let mut all_statuses = vec![""];
    all_statuses.extend_from_slice(STATUSES);
    format!(
        "<form method=\"get\" action=\"{base}\"><input name=\"q\" placeholder=\"Search tickets\" value=\"{q}\" aria-label=\"Search\">\
         <select name=\"status\" aria-label=\"Status\">{opts}</select> <button type=\"submit\">Search</button></form>\
         <p>{n} tickets</p><table><thead><tr><th>#</th><th>Subject</th><th>Customer</th><th>Status</th><th>Priority</th>\
         <th>Assignee</th></tr></thead><tbody>{rows}</tbody></table>",
        q = esc(query), opts = options(&all_statuses, status), n = tickets.len()
    )
}

pub fn ticket_detail(base: &str, t: &Value, agents: &[(String, String)]) -> String {
    let id = &t["id"];
    let assignee = t.get("assignee").and_then(Value::as_str).unwrap_or("");
    let agent_options: String = std::iter::once(format!(
        "<option value=\"\"{}>(unassigned)</option>",
        if assignee.is_empty() { " selected" } else { "" }
    ))
    .chain(agents.iter().map(|(u, name)| {
        format!(
            "<option value=\"{u}\"{}>{} ({u})</option>",
            if u == assignee { " selected" } else { "" },
            esc(name),
            u = esc(u)
        )
    }))
    .collect();
    let comments: String = t["comments"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| format!("<div class=\"comment\"><strong>{}</strong>: {}</div>", text(c, "author"), text(c, "body")))
        .collect();
    format!(
        "<p>Customer: <strong>{customer}</strong> · created {created}</p><p>{body}</p>\
         <form method=\"post\" action=\"{base}tickets/{id}\">\
         <label for=\"subject\">Subject</label><input id=\"subject\" name=\"subject\" size=\"60\" value=\"{subject}\">\
         <label for=\"status\">Status</label><select id=\"status\" name=\"status\">{statuses}</select>\
         <label for=\"priority\">Priority</label><select id=\"priority\" name=\"priority\">{priorities}</select>\
         <label for=\"assignee\">Assignee</label><select id=\"assignee\" name=\"assignee\">{agent_options}</select>\
         <p><button type=\"submit\">Save ticket</button></p></form>\
         <h2>Comments</h2>{comments}\
         <form method=\"post\" action=\"{base}tickets/{id}/comments\"><label for=\"comment\">Add a comment</label>\
         <textarea id=\"comment\" name=\"body\" rows=\"3\" cols=\"60\"></textarea><input type=\"hidden\" name=\"author\" value=\"agent\">\
         <p><button type=\"submit\">Add comment</button></p></form>\
         <form method=\"post\" action=\"{base}tickets/{id}/delete\" class=\"inline\"><button type=\"submit\">Delete ticket</button></form>",
        customer = text(t, "customer"), created = text(t, "created_at"), body = text(t, "body"),
        subject = text(t, "subject"), statuses = options(STATUSES, &text(t, "status")),
        priorities = options(PRIORITIES, &text(t, "priority")),
    )
}

pub fn new_ticket(base: &str, customers: &[Value]) -> String {
    let customer_options: String =
        customers.iter().map(|c| format!("<option value=\"{n}\">{n}</option>", n = text(c, "name"))).collect();
    format!(
        "<form method=\"post\" action=\"{base}tickets\">\
         <label for=\"subject\">Subject</label><input id=\"subject\" name=\"subject\" size=\"60\" required>\
         <label for=\"customer\">Customer</label><select id=\"customer\" name=\"customer\">{customer_options}</select>\
         <label for=\"priority\">Priority</label><select id=\"priority\" name=\"priority\">{priorities}</select>\
         <label for=\"body\">Description</label><textarea id=\"body\" name=\"body\" rows=\"4\" cols=\"60\"></textarea>\
         <p><button type=\"submit\">Create ticket</button></p></form>",
        priorities = options(PRIORITIES, "normal"),
    )
}

pub fn customers(base: &str, customers: &[Value]) -> String {
    let rows: String = customers
        .iter()
        .map(|c| {
            format!(
                "<tr><td>{name}</td><td>{plan}</td><td><form method=\"post\" action=\"{base}customers/{id}\" class=\"inline\">\
                 <input name=\"email\" value=\"{email}\" size=\"32\" aria-label=\"Email of {name}\"> \
                 <button type=\"submit\">Save</button></form></td></tr>",
                name = text(c, "name"), plan = text(c, "plan"), id = c["id"], email = text(c, "email")
            )
        })
        .collect();
    format!("<table><thead><tr><th>Customer</th><th>Plan</th><th>Email</th></tr></thead><tbody>{rows}</tbody></table>")
}

pub fn error(base: &str, message: &str) -> String {
    format!("<p class=\"error\">{}</p><p><a href=\"{base}\">Back to tickets</a></p>", esc(message))
}
