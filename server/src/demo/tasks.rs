//! The demo tasks, each with a verifier written the Fleet way: `def verify(env, final_answer=None)`
//! reading `env.db("current")` (and `env.db("seed")` to prove nothing else changed).
use serde_json::json;

use super::{DATA_ID, DATA_VERSION, ENV_KEY, ENV_VERSION};
use crate::store::TaskRow;

/// (key, difficulty, prompt, verifier source)
const TASKS: &[(&str, &str, &str, &str)] = &[
    (
        "helpdesk-close-printer",
        "easy",
        "Close ticket #2 (\"Printer on floor 3 is jammed\"): set its status to closed.",
        r#"def verify(env, final_answer=None):
    ticket = env.db("current").table("tickets").eq("id", 2).first()
    return 1.0 if ticket and ticket["status"] == "closed" else 0.0
"#,
    ),
    (
        "helpdesk-assign-vpn",
        "easy",
        "Assign the ticket about the VPN dropping to the agent maria.",
        r#"def verify(env, final_answer=None):
    ticket = env.db("current").table("tickets").eq("id", 3).first()
    return 1.0 if ticket and ticket["assignee"] == "maria" else 0.0
"#,
    ),
    (
        "helpdesk-update-initech-email",
        "easy",
        "Initech has a new contact address: change their email to ops@initech.example.",
        r#"def verify(env, final_answer=None):
    customer = env.db("current").table("customers").eq("name", "Initech").first()
    return 1.0 if customer and customer["email"] == "ops@initech.example" else 0.0
"#,
    ),
    (
        "helpdesk-count-open",
        "easy",
        "How many tickets are open right now? Answer with the number only, and change nothing.",
        r#"def verify(env, final_answer=None):
    open_now = env.db("current").table("tickets").eq("status", "open").count()
    answer = str(final_answer or "").strip()
    return 1.0 if answer == str(open_now) and open_now == 5 else 0.0
"#,
    ),
    (
        "helpdesk-create-invoice-ticket",
        "medium",
        "Acme Corp needs a copy of an invoice. Open a new ticket for Acme Corp with the subject \"Invoice copy needed\" and high priority.",
        r#"def verify(env, final_answer=None):
    db = env.db("current")
    acme = db.table("customers").eq("name", "Acme Corp").first()
    if not acme:
        return 0.0
    ticket = db.table("tickets").eq("subject", "Invoice copy needed").first()
    if not ticket:
        return 0.0
    ok = ticket["customer_id"] == acme["id"] and ticket["priority"] == "high" and ticket["status"] == "open"
    return 1.0 if ok else 0.0
"#,
    ),
    (
        "helpdesk-escalate-globex",
        "medium",
        "Globex is unhappy. Set the priority of every OPEN Globex ticket to urgent. Leave their tickets in other states alone.",
        r#"def verify(env, final_answer=None):
    db = env.db("current")
    globex = db.table("customers").eq("name", "Globex").first()
    tickets = db.table("tickets").eq("customer_id", globex["id"]).all()
    for t in tickets:
        if t["status"] == "open" and t["priority"] != "urgent":
            return 0.0
        if t["status"] != "open" and t["priority"] == "urgent":
            return 0.0
    return 1.0 if any(t["status"] == "open" for t in tickets) else 0.0
"#,
    ),
    (
        "helpdesk-resolve-with-comment",
        "hard",
        "On ticket #2, add the comment \"Replaced toner, please retry\" and mark the ticket resolved.",
        r#"def verify(env, final_answer=None):
    db = env.db("current")
    ticket = db.table("tickets").eq("id", 2).first()
    comment = db.table("comments").eq("ticket_id", 2).eq("body", "Replaced toner, please retry").first()
    return 1.0 if ticket and ticket["status"] == "resolved" and comment else 0.0
"#,
    ),
    (
        "helpdesk-delete-spam",
        "hard",
        "Delete the spam ticket \"WIN A FREE CRUISE!!!\". Change nothing else.",
        r#"def verify(env, final_answer=None):
    seed = env.db("seed").query("SELECT id, subject, status, priority, assignee FROM tickets ORDER BY id").rows
    now = env.db("current").query("SELECT id, subject, status, priority, assignee FROM tickets ORDER BY id").rows
    expected = [row for row in seed if row[1] != "WIN A FREE CRUISE!!!"]
    return 1.0 if [list(r) for r in now] == [list(r) for r in expected] else 0.0
"#,
    ),
];

/// The demo tasks as rows for one team.
pub fn demo_tasks(team_id: &str, created_at: &str) -> Vec<TaskRow> {
    TASKS
        .iter()
        .map(|(key, difficulty, prompt, code)| TaskRow {
            team_id: team_id.to_string(),
            key: key.to_string(),
            prompt: prompt.to_string(),
            environment_id: ENV_KEY.to_string(),
            version: Some(ENV_VERSION.to_string()),
            data_id: Some(DATA_ID.to_string()),
            data_version: Some(DATA_VERSION.to_string()),
            project_key: Some("demo".to_string()),
            env_variables: None,
            metadata: Some(json!({ "difficulty": difficulty, "source": "flotilla-demo" })),
            output_json_schema: None,
            verifier_code: Some(code.to_string()),
            verifier_id: Some(format!("ver_{key}")),
            verifier_version: 1,
            created_at: created_at.to_string(),
        })
        .collect()
}
