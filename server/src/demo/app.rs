//! Routes under `/i/{id}/`: the instance's app (the help desk in-process, or a proxy to a
//! command app), its JSON API under `app/api/`, and MCP at `mcp`.
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use rusqlite::Connection;
use serde_json::{json, Value};

use super::{helpdesk, mcp, pages};
use crate::catalog::Runtime;
use crate::error::ApiError;
use crate::manager::sqlite::{open, Resource};
use crate::state::AppState;
use crate::time::now_iso;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/i/{id}/", get(root))
        .route("/i/{id}/app", get(app_without_slash))
        .route("/i/{id}/app/", any(app_root))
        .route("/i/{id}/app/{*rest}", any(app))
        .route("/i/{id}/mcp", post(mcp_endpoint))
}

/// `/i/{id}/app` -> `/i/{id}/app/`. Only an id that could be an instance's (letters, digits,
/// `_`, `-`) goes into the `Location` header; anything else is not an instance.
async fn app_without_slash(Path(id): Path<String>) -> Response {
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return ApiError::not_found(format!("Instance '{}' not found", id.escape_debug())).into_response();
    }
    Redirect::permanent(&format!("/i/{id}/app/")).into_response()
}

/// A change (anything but GET/HEAD/OPTIONS) sent by a page of another origin is refused: a page
/// a user opens elsewhere cannot act on an instance through the user's browser. Agents send no
/// `Origin`; this server's pages send its own; the sandboxed app itself sends `null`. (The
/// instance URL, with its 64 random bits, is the capability; no cookie grants anything here.)
fn foreign_origin(state: &AppState, method: &Method, headers: &HeaderMap) -> Option<Response> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    let origin = headers.get(header::ORIGIN)?.to_str().unwrap_or("(unreadable)");
    if origin == "null" || origin == state.base_url || state.cors_origins.iter().any(|o| o == origin) {
        return None;
    }
    let why = format!("Refused: a page of {origin} (its Origin header) may not change this instance");
    Some(ApiError::new(StatusCode::FORBIDDEN, why).into_response())
}

/// The runtime of a running instance, or a 404.
fn running_runtime(state: &AppState, id: &str) -> Result<Runtime, ApiError> {
    let row = state
        .store
        .get_instance_any_team(id)?
        .filter(|r| r.status == "running")
        .ok_or_else(|| ApiError::not_found(format!("Instance '{id}' not found or not running")))?;
    state
        .catalog
        .get(&row.env_key)
        .and_then(|e| e.versions.get(&row.version))
        .map(|v| v.runtime.clone())
        .ok_or_else(|| ApiError::not_found(format!("Instance '{id}' has no app")))
}

async fn root(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    running_runtime(&state, &id)?;
    let base = format!("{}/i/{id}/", state.base_url);
    Ok(Json(json!({ "instance_id": id, "app": format!("{base}app/"), "api": format!("{base}app/api"),
                    "mcp": format!("{base}mcp"), "manager": format!("{base}api/v1/env") })))
}

async fn app_root(
    state: State<AppState>,
    Path(id): Path<String>,
    method: Method,
    query: RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    dispatch(state, id, String::new(), method, query, headers, body).await
}

async fn app(
    state: State<AppState>,
    Path((id, rest)): Path<(String, String)>,
    method: Method,
    query: RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    dispatch(state, id, rest, method, query, headers, body).await
}

async fn dispatch(
    State(state): State<AppState>,
    id: String,
    rest: String,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = foreign_origin(&state, &method, &headers) {
        return refused;
    }
    let mut answer = match running_runtime(&state, &id) {
        Err(e) => return e.into_response(),
        Ok(Runtime::Command { .. }) if !APP_METHODS.contains(&method) => {
            let why = format!("Method {method} is not passed to an instance's app");
            return ApiError::new(StatusCode::METHOD_NOT_ALLOWED, why).into_response();
        }
        Ok(Runtime::Command { .. }) => super::proxy::forward(&state, &id, &rest, method, query, headers, body).await,
        Ok(Runtime::Demo) => {
            let dir = state.instances.dir(&id);
            let base = format!("/i/{id}/app/");
            let result = tokio::task::spawn_blocking(move || {
                let conn = open(&dir, Resource::Current).map_err(|e| e.into_response())?;
                Ok::<_, Response>(helpdesk_route(&conn, &base, &method, &rest, query.as_deref(), &body))
            })
            .await;
            match result {
                Ok(Ok(r)) | Ok(Err(r)) => r,
                Err(e) => return ApiError::internal("app task failed", e).into_response(),
            }
        }
    };
    // The app's own answer, passed on as it is (the JSON-errors layer leaves it alone).
    answer.extensions_mut().insert(crate::routes::headers::AppAnswer);
    answer
}

/// The methods an instance's app is asked to answer; others are refused here.
const APP_METHODS: [Method; 7] =
    [Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS];

fn form(body: &[u8]) -> std::collections::HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn json_body<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, Response> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| (StatusCode::BAD_REQUEST, Json(json!({ "detail": format!("Invalid JSON: {e}") }))).into_response())
}

fn api<T: Into<Value>>(outcome: helpdesk::Outcome<T>) -> Response {
    match outcome {
        Ok(v) => Json(v.into()).into_response(),
        Err((status, message)) => {
            (StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST), Json(json!({ "detail": message })))
                .into_response()
        }
    }
}

fn page(base: &str, title: &str, outcome: helpdesk::Outcome<String>) -> Response {
    match outcome {
        Ok(html) => Html(pages::layout(base, title, &html)).into_response(),
        Err((status, message)) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            Html(pages::layout(base, "Error", &pages::error(base, &message))),
        )
            .into_response(),
    }
}

/// After a form post: back to `to`, or the error page.
fn after_form(base: &str, to: String, outcome: helpdesk::Outcome<Value>) -> Response {
    match outcome {
        Ok(_) => Redirect::to(&to).into_response(),
        Err(e) => page(base, "Error", Err(e)),
    }
}

fn helpdesk_route(
    conn: &Connection,
    base: &str,
    method: &Method,
    rest: &str,
    query: Option<&str>,
    body: &[u8],
) -> Response {
    let now = now_iso();
    let q = form(query.unwrap_or("").as_bytes());
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let num = |s: &str| s.parse::<i64>().ok();
    let get = |k: &str| q.get(k).map(String::as_str);
    match (method.as_str(), segments.as_slice()) {
        ("GET", []) => {
            let (query, status) = (get("q").unwrap_or(""), get("status").unwrap_or(""));
            page(
                base,
                "Tickets",
                helpdesk::list_tickets(conn, Some(query), Some(status))
                    .map(|t| pages::ticket_list(base, &t, query, status)),
            )
        }
        ("GET", ["tickets", "new"]) => {
            page(base, "New ticket", helpdesk::list_customers(conn).map(|c| pages::new_ticket(base, &c)))
        }
        ("POST", ["tickets"]) => {
            let f = form(body);
            let t = helpdesk::NewTicket {
                subject: f.get("subject").cloned().unwrap_or_default(),
                body: f.get("body").cloned(),
                customer: f.get("customer").cloned(),
                priority: f.get("priority").cloned(),
                ..Default::default()
            };
            match helpdesk::create_ticket(conn, &t, &now) {
                Ok(v) => Redirect::to(&format!("{base}tickets/{}", v["id"])).into_response(),
                Err(e) => page(base, "Error", Err(e)),
            }
        }
        ("GET", ["tickets", n]) if num(n).is_some() => {
            let id = num(n).unwrap_or_default();
            let html = helpdesk::get_ticket(conn, id)
                .and_then(|t| Ok(pages::ticket_detail(base, &t, &helpdesk::list_agents(conn)?)));
            page(base, &format!("Ticket #{id}"), html)
        }
        ("POST", ["tickets", n]) if num(n).is_some() => {
            let f = form(body);
            let c = helpdesk::TicketChanges {
                subject: f.get("subject").cloned(),
                status: f.get("status").cloned(),
                priority: f.get("priority").cloned(),
                assignee: f.get("assignee").cloned(),
            };
            after_form(
                base,
                format!("{base}tickets/{n}"),
                helpdesk::update_ticket(conn, num(n).unwrap_or_default(), &c, &now),
            )
        }
        ("POST", ["tickets", n, "comments"]) if num(n).is_some() => {
            let f = form(body);
            let outcome = helpdesk::add_comment(
                conn,
                num(n).unwrap_or_default(),
                f.get("author").map(String::as_str),
                f.get("body").map(String::as_str).unwrap_or(""),
                &now,
            );
            after_form(base, format!("{base}tickets/{n}"), outcome)
        }
        ("POST", ["tickets", n, "delete"]) if num(n).is_some() => {
            after_form(base, base.to_string(), helpdesk::delete_ticket(conn, num(n).unwrap_or_default()))
        }
        ("GET", ["customers"]) => {
            page(base, "Customers", helpdesk::list_customers(conn).map(|c| pages::customers(base, &c)))
        }
        ("POST", ["customers", n]) if num(n).is_some() => {
            let email = form(body).get("email").cloned().unwrap_or_default();
            after_form(
                base,
                format!("{base}customers"),
                helpdesk::update_customer_email(conn, num(n).unwrap_or_default(), &email),
            )
        }
        ("GET", ["api", "tickets"]) => api(helpdesk::list_tickets(conn, get("q"), get("status"))),
        ("POST", ["api", "tickets"]) => match json_body(body) {
            Ok(t) => api(helpdesk::create_ticket(conn, &t, &now)),
            Err(r) => r,
        },
        ("GET", ["api", "tickets", n]) if num(n).is_some() => {
            api(helpdesk::get_ticket(conn, num(n).unwrap_or_default()))
        }
        ("PATCH", ["api", "tickets", n]) if num(n).is_some() => match json_body(body) {
            Ok(c) => api(helpdesk::update_ticket(conn, num(n).unwrap_or_default(), &c, &now)),
            Err(r) => r,
        },
        ("DELETE", ["api", "tickets", n]) if num(n).is_some() => {
            api(helpdesk::delete_ticket(conn, num(n).unwrap_or_default()))
        }
        ("POST", ["api", "tickets", n, "comments"]) if num(n).is_some() => match json_body::<Value>(body) {
            Ok(v) => api(helpdesk::add_comment(
                conn,
                num(n).unwrap_or_default(),
                v.get("author").and_then(Value::as_str),
                v.get("body").and_then(Value::as_str).unwrap_or(""),
                &now,
            )),
            Err(r) => r,
        },
        ("GET", ["api", "customers"]) => api(helpdesk::list_customers(conn)),
        ("PATCH", ["api", "customers", n]) if num(n).is_some() => match json_body::<Value>(body) {
            Ok(v) => api(helpdesk::update_customer_email(
                conn,
                num(n).unwrap_or_default(),
                v.get("email").and_then(Value::as_str).unwrap_or(""),
            )),
            Err(r) => r,
        },
        _ => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "application/json")],
            json!({ "detail": format!("No route {method} /app/{rest}") }).to_string(),
        )
            .into_response(),
    }
}

async fn mcp_endpoint(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = foreign_origin(&state, &Method::POST, &headers) {
        return refused;
    }
    match running_runtime(&state, &id) {
        Err(e) => return e.into_response(),
        Ok(Runtime::Command { .. }) => {
            // A command app serves its own MCP at `/mcp` (see docs/environments.md).
            let mut answer = super::proxy::forward(&state, &id, "mcp", Method::POST, None, headers, body).await;
            answer.extensions_mut().insert(crate::routes::headers::AppAnswer);
            return answer;
        }
        Ok(Runtime::Demo) => {}
    }
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return Json(json!({ "jsonrpc": "2.0", "id": null, "error": { "code": -32700, "message": format!("parse error: {e}") } })).into_response(),
    };
    let dir = state.instances.dir(&id);
    let answer = tokio::task::spawn_blocking(move || -> Result<Value, ApiError> {
        let conn = open(&dir, Resource::Current)?;
        Ok(mcp::handle(&conn, &request, &now_iso()))
    })
    .await;
    match answer {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(e)) => e.into_response(),
        Err(e) => ApiError::internal("mcp task failed", e).into_response(),
    }
}
