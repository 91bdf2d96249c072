//! The help desk's operations over an instance's `current.db`. The web pages, the JSON API and
//! the MCP tools all call these, so the three stay consistent.
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Deserialize;
use serde_json::{json, Value};

pub const STATUSES: &[&str] = &["open", "pending", "resolved", "closed"];
pub const PRIORITIES: &[&str] = &["low", "normal", "high", "urgent"];

/// A refused operation: `(HTTP status, message)`.
pub type Refusal = (u16, String);
pub type Outcome<T> = Result<T, Refusal>;

fn db_err(e: rusqlite::Error) -> Refusal {
    (400, format!("database error: {e}"))
}

fn ticket_json(r: &Row) -> rusqlite::Result<Value> {
    Ok(json!({
        "id": r.get::<_, i64>("id")?, "subject": r.get::<_, String>("subject")?, "body": r.get::<_, String>("body")?,
        "customer_id": r.get::<_, i64>("customer_id")?, "customer": r.get::<_, String>("customer")?,
        "assignee": r.get::<_, Option<String>>("assignee")?, "status": r.get::<_, String>("status")?,
        "priority": r.get::<_, String>("priority")?, "created_at": r.get::<_, String>("created_at")?,
        "updated_at": r.get::<_, String>("updated_at")?,
    }))
}

const TICKET_SELECT: &str = "SELECT t.*, c.name AS customer FROM tickets t JOIN customers c ON c.id = t.customer_id";

/// Tickets whose subject, body or customer contains `query` (case-insensitive), optionally of one status.
pub fn list_tickets(conn: &Connection, query: Option<&str>, status: Option<&str>) -> Outcome<Vec<Value>> {
    let like = format!("%{}%", query.unwrap_or("").trim());
    let mut stmt = conn
        .prepare(&format!(
            "{TICKET_SELECT} WHERE (t.subject LIKE ?1 OR t.body LIKE ?1 OR c.name LIKE ?1)
             AND (?2 IS NULL OR t.status = ?2) ORDER BY t.id"
        ))
        .map_err(db_err)?;
    let rows = stmt.query_map(params![like, status.filter(|s| !s.is_empty())], ticket_json).map_err(db_err)?;
    rows.collect::<rusqlite::Result<_>>().map_err(db_err)
}

/// One ticket with its comments.
pub fn get_ticket(conn: &Connection, id: i64) -> Outcome<Value> {
    let mut ticket = conn
        .query_row(&format!("{TICKET_SELECT} WHERE t.id = ?1"), [id], ticket_json)
        .optional()
        .map_err(db_err)?
        .ok_or((404, format!("ticket {id} not found")))?;
    let mut stmt = conn
        .prepare("SELECT id, author, body, created_at FROM comments WHERE ticket_id = ?1 ORDER BY id")
        .map_err(db_err)?;
    let comments = stmt
        .query_map([id], |r| Ok(json!({ "id": r.get::<_, i64>(0)?, "author": r.get::<_, String>(1)?, "body": r.get::<_, String>(2)?, "created_at": r.get::<_, String>(3)? })))
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_err)?;
    ticket["comments"] = Value::Array(comments);
    Ok(ticket)
}

#[derive(Debug, Default, Deserialize)]
pub struct NewTicket {
    pub subject: String,
    #[serde(default)]
    pub body: Option<String>,
    /// The customer's name (or give `customer_id`).
    #[serde(default)]
    pub customer: Option<String>,
    #[serde(default)]
    pub customer_id: Option<i64>,
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default)]
    pub assignee: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct TicketChanges {
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub priority: Option<String>,
    /// An agent's username; "" unassigns.
    #[serde(default)]
    pub assignee: Option<String>,
}

fn check_choice(what: &str, value: &str, allowed: &[&str]) -> Outcome<()> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err((400, format!("{what} must be one of {allowed:?}, got '{value}'")))
    }
}

fn check_agent(conn: &Connection, assignee: &str) -> Outcome<()> {
    let known: bool = conn
        .query_row("SELECT EXISTS (SELECT 1 FROM agents WHERE username = ?1)", [assignee], |r| r.get(0))
        .map_err(db_err)?;
    if known {
        Ok(())
    } else {
        Err((400, format!("no agent named '{assignee}'")))
    }
}

fn resolve_customer(conn: &Connection, name: Option<&str>, id: Option<i64>) -> Outcome<i64> {
    let found: Option<i64> = conn
        .query_row(
            "SELECT id FROM customers WHERE id = ?1 OR lower(name) = lower(?2)",
            params![id, name.map(str::trim)],
            |r| r.get(0),
        )
        .optional()
        .map_err(db_err)?;
    found.ok_or((400, format!("no customer named '{}'", name.unwrap_or_default())))
}

pub fn create_ticket(conn: &Connection, t: &NewTicket, now: &str) -> Outcome<Value> {
    let subject = t.subject.trim();
    if subject.is_empty() || subject.len() > 200 {
        return Err((400, "subject must be 1-200 characters".into()));
    }
    let priority = t.priority.as_deref().filter(|p| !p.is_empty()).unwrap_or("normal");
    check_choice("priority", priority, PRIORITIES)?;
    let assignee = t.assignee.as_deref().map(str::trim).filter(|a| !a.is_empty());
    if let Some(a) = assignee {
        check_agent(conn, a)?;
    }
    let customer_id = resolve_customer(conn, t.customer.as_deref(), t.customer_id)?;
    conn.execute(
        "INSERT INTO tickets (subject, body, customer_id, assignee, status, priority, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6, ?6)",
        params![subject, t.body.as_deref().unwrap_or(""), customer_id, assignee, priority, now],
    )
    .map_err(db_err)?;
    get_ticket(conn, conn.last_insert_rowid())
}

pub fn update_ticket(conn: &Connection, id: i64, c: &TicketChanges, now: &str) -> Outcome<Value> {
    get_ticket(conn, id)?;
    if let Some(s) = &c.status {
        check_choice("status", s, STATUSES)?;
    }
    if let Some(p) = &c.priority {
        check_choice("priority", p, PRIORITIES)?;
    }
    let assignee = c.assignee.as_deref().map(str::trim);
    if let Some(a) = assignee.filter(|a| !a.is_empty()) {
        check_agent(conn, a)?;
    }
    if c.subject.as_deref().is_some_and(|s| s.trim().is_empty()) {
        return Err((400, "subject must not be empty".into()));
    }
    conn.execute(
        "UPDATE tickets SET subject = COALESCE(?2, subject), status = COALESCE(?3, status),
           priority = COALESCE(?4, priority),
           assignee = CASE WHEN ?5 IS NULL THEN assignee WHEN ?5 = '' THEN NULL ELSE ?5 END,
           updated_at = ?6
         WHERE id = ?1",
        params![id, c.subject.as_deref().map(str::trim), c.status, c.priority, assignee, now],
    )
    .map_err(db_err)?;
    get_ticket(conn, id)
}

pub fn delete_ticket(conn: &Connection, id: i64) -> Outcome<Value> {
    let ticket = get_ticket(conn, id)?;
    conn.execute("DELETE FROM comments WHERE ticket_id = ?1", [id]).map_err(db_err)?;
    conn.execute("DELETE FROM tickets WHERE id = ?1", [id]).map_err(db_err)?;
    Ok(json!({ "deleted": ticket }))
}

pub fn add_comment(conn: &Connection, ticket_id: i64, author: Option<&str>, body: &str, now: &str) -> Outcome<Value> {
    get_ticket(conn, ticket_id)?;
    let body = body.trim();
    if body.is_empty() {
        return Err((400, "comment body must not be empty".into()));
    }
    let author = author.map(str::trim).filter(|a| !a.is_empty()).unwrap_or("agent");
    conn.execute(
        "INSERT INTO comments (ticket_id, author, body, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![ticket_id, author, body, now],
    )
    .map_err(db_err)?;
    get_ticket(conn, ticket_id)
}

pub fn list_customers(conn: &Connection) -> Outcome<Vec<Value>> {
    let mut stmt = conn.prepare("SELECT id, name, email, plan FROM customers ORDER BY id").map_err(db_err)?;
    let rows = stmt
        .query_map([], |r| Ok(json!({ "id": r.get::<_, i64>(0)?, "name": r.get::<_, String>(1)?, "email": r.get::<_, String>(2)?, "plan": r.get::<_, String>(3)? })))
        .map_err(db_err)?;
    rows.collect::<rusqlite::Result<_>>().map_err(db_err)
}

pub fn list_agents(conn: &Connection) -> Outcome<Vec<(String, String)>> {
    let mut stmt = conn.prepare("SELECT username, full_name FROM agents ORDER BY username").map_err(db_err)?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(db_err)?;
    rows.collect::<rusqlite::Result<_>>().map_err(db_err)
}

pub fn update_customer_email(conn: &Connection, id: i64, email: &str) -> Outcome<Value> {
    let email = email.trim();
    if !email.contains('@') || email.len() > 200 || email.contains(char::is_whitespace) {
        return Err((400, format!("'{email}' is not an email address")));
    }
    let n = conn.execute("UPDATE customers SET email = ?2 WHERE id = ?1", params![id, email]).map_err(db_err)?;
    if n == 0 {
        return Err((404, format!("customer {id} not found")));
    }
    Ok(json!({ "id": id, "email": email }))
}
