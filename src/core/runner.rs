//! The instance manager ("runner") API (protocol §8), relative to `urls.manager.api`: models,
//! requests, and the runner-token flow (§2.5).
use std::cell::RefCell;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::call::Call;
use super::client::{to_json, CallContext, ClientConfig};
use super::error::{ErrorKind, FleetError};
use super::http::{HttpRequest, Method};
use super::io::{decode, HttpResponse, Io, ResponseBody};
use super::query::escape;
use super::{SDK_LANGUAGE, SDK_VERSION};

/// A resource of an instance (`Resource`), e.g. `current` (sqlite, rw).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Resource {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub mode: String,
    pub label: Option<String>,
}

/// The runner answers a bare list or `{ resources: [...] }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ResourceList {
    Bare(Vec<Resource>),
    Wrapped { resources: Vec<Resource> },
}

impl ResourceList {
    pub fn into_vec(self) -> Vec<Resource> {
        match self {
            ResourceList::Bare(list) | ResourceList::Wrapped { resources: list } => list,
        }
    }
}

/// A query answer (`QueryResult`); rows are user data.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct QueryResult {
    pub success: bool,
    pub message: String,
    pub columns: Option<Vec<String>>,
    pub rows: Option<Vec<Vec<Value>>>,
    pub rows_affected: Option<i64>,
    pub last_insert_id: Option<i64>,
    pub error: Option<String>,
}

/// A column of a described table.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub sql_type: Option<String>,
    #[serde(rename(deserialize = "notnull"))]
    pub not_null: Option<Value>,
    pub default_value: Option<Value>,
    #[serde(rename(deserialize = "pk"))]
    pub primary_key: Option<Value>,
}

/// A described table.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    pub sql: Option<String>,
    pub columns: Option<Vec<Column>>,
}

/// `db.describe()` (`DescribeResult`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct DescribeResult {
    pub success: bool,
    pub resource_name: String,
    pub message: String,
    pub tables: Option<Vec<Table>>,
    pub error: Option<String>,
}

/// `env.reset()` (`ResetResult`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResetResult {
    pub success: bool,
    pub message: String,
}

/// `env.health()` (`HealthResult`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HealthResult {
    pub status: String,
    pub timestamp: String,
    pub service: String,
}

/// Seed vs current, per table (`StructuredDiff`, §8.6). Table diffs are passed through as the
/// runner writes them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StructuredDiff {
    #[serde(default)]
    pub success: bool,
    #[serde(default)]
    pub message: String,
    pub diff: Map<String, Value>,
}

/// The body of a runner query (§8.2).
#[derive(Serialize)]
struct QueryBody<'a> {
    query: &'a str,
    args: Option<&'a [Value]>,
    read_only: bool,
}

/// Options of `env.reset()` (`ResetOptions`), and the body of `POST /reset`: both keys always
/// sent, null when not given, as fleet-python's `env.reset(seed=None, timestamp=None)` (§8.3).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetOptions {
    /// The clock the app should start from (epoch seconds), for apps that honour it.
    pub timestamp: Option<i64>,
    /// The seed of the app's randomness, for apps that honour it.
    pub seed: Option<i64>,
}

/// Where an instance's runner lives and the token it wants.
#[derive(Debug, Clone, PartialEq)]
pub struct Runner {
    /// `urls.manager.api`, without a trailing slash.
    pub base: String,
    pub token: Option<String>,
}

impl Runner {
    /// A runner request: SDK headers and the runner token; no Fleet credentials (§2.4).
    /// `replay_safe`: false for a write, which the runner could not tell from a second one.
    fn request(&self, method: Method, path: &str, body: Option<String>, replay_safe: bool) -> HttpRequest {
        let mut headers = vec![
            ("X-Fleet-SDK-Language".to_string(), SDK_LANGUAGE.to_string()),
            ("X-Fleet-SDK-Version".to_string(), SDK_VERSION.to_string()),
        ];
        if let Some(token) = &self.token {
            headers.push(("X-Runner-Token".to_string(), token.clone()));
        }
        if body.is_some() {
            headers.push(("Content-Type".to_string(), "application/json".to_string()));
        }
        HttpRequest {
            method,
            url: format!("{}{path}", self.base.trim_end_matches('/')),
            headers,
            body,
            request_id: String::new(),
            replay_safe,
        }
    }

    pub fn resources(&self) -> HttpRequest {
        self.request(Method::Get, "/resources", None, true)
    }

    /// `query()` sends `read_only: true`, `exec()` sends `false` (§8.2).
    pub fn query(
        &self,
        db: &str,
        sql: &str,
        args: Option<&[Value]>,
        read_only: bool,
    ) -> Result<HttpRequest, FleetError> {
        if sql.trim().is_empty() {
            return Err(FleetError::validation("the SQL must not be empty"));
        }
        let body = to_json(&QueryBody { query: sql, args, read_only });
        Ok(self.request(Method::Post, &format!("/resources/sqlite/{}/query", escape(db)), Some(body), read_only))
    }

    pub fn describe(&self, db: &str) -> HttpRequest {
        self.request(Method::Get, &format!("/resources/sqlite/{}/describe", escape(db)), None, true)
    }

    pub fn reset(&self, options: &ResetOptions) -> HttpRequest {
        self.request(Method::Post, "/reset", Some(to_json(options)), true)
    }

    pub fn health(&self) -> HttpRequest {
        self.request(Method::Get, "/health", None, true)
    }

    pub fn diff(&self) -> HttpRequest {
        self.request(Method::Post, "/diff/structured", Some("{}".into()), true)
    }
}

/// `GET /v1/runner-auth/token`: control-plane auth headers but no `X-Request-ID` (§2.5).
pub fn token_request(config: &ClientConfig, ctx: &CallContext) -> HttpRequest {
    let mut req = config.request(Method::Get, "/v1/runner-auth/token", None, ctx);
    req.headers.retain(|(k, _)| k != "X-Request-ID");
    req
}

#[derive(Deserialize)]
struct TokenAnswer {
    token: String,
}

/// How long the runner-token fetch may take (§2.5).
pub const TOKEN_TIMEOUT_MS: f64 = 10_000.0;

/// An env's runner token, fetched once. `Some(None)` remembers that the server has none for us.
#[derive(Debug, Default)]
pub struct TokenCache(RefCell<Option<Option<String>>>);

impl TokenCache {
    /// The token: cached, or fetched now. A server answer (token or not) is remembered; a call
    /// that got no answer (network, timeout) goes on without a token and asks again next time;
    /// the caller's abort rejects.
    pub async fn get<I: Io>(&self, call: &Call<'_, I>) -> Result<Option<String>, FleetError> {
        if let Some(known) = self.0.borrow().clone() {
            return Ok(known);
        }
        let ctx = call.io.new_call();
        let request = token_request(&call.client.config, &ctx);
        // §2.5: one attempt of 10 s, whatever the call's own settings.
        let once = Call { client: call.client, io: call.io, timeout_ms: Some(TOKEN_TIMEOUT_MS), single_attempt: true };
        match once.send(&request, None).await {
            Ok(response) => {
                let token = match &response.body {
                    ResponseBody::Json(_) if response.status == 200 => {
                        decode::<TokenAnswer, _>(&response, "").ok().map(|t| t.token)
                    }
                    _ => None,
                };
                // A token that could not be a header value (a line break, non-ASCII) is no token.
                let token = token.filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()));
                *self.0.borrow_mut() = Some(token.clone());
                Ok(token)
            }
            Err(e) if e.kind == ErrorKind::Abort => Err(e),
            Err(_) => Ok(None),
        }
    }
}

/// One runner call: the token (cached), the request `build` makes, the decoded answer.
pub async fn call_runner<I: Io, T: DeserializeOwned>(
    call: &Call<'_, I>,
    base: Option<&str>,
    tokens: &TokenCache,
    build: impl FnOnce(&Runner) -> Result<HttpRequest, FleetError>,
) -> Result<T, FleetError> {
    decode(&send_to_runner(call, base, tokens, &mut Some(build)).await?, "")
}

/// A runner request built by `build`, as a trait object (`&mut Some(closure)`).
pub trait RunnerBuild {
    fn build(&mut self, runner: &Runner) -> Result<HttpRequest, FleetError>;
}

impl<F: FnOnce(&Runner) -> Result<HttpRequest, FleetError>> RunnerBuild for Option<F> {
    fn build(&mut self, runner: &Runner) -> Result<HttpRequest, FleetError> {
        match self.take() {
            Some(build) => build(runner),
            None => Err(FleetError::validation("a request was built twice")),
        }
    }
}

/// [`call_runner`] before decoding; not generic over the answer, so it exists once in the wasm.
pub async fn send_to_runner<I: Io>(
    call: &Call<'_, I>,
    base: Option<&str>,
    tokens: &TokenCache,
    build: &mut dyn RunnerBuild,
) -> Result<HttpResponse<I::Json>, FleetError> {
    let base = base.ok_or_else(|| {
        FleetError::invalid_response(
            "this instance has no manager URL (urls.manager.api), so its state cannot be reached",
        )
    })?;
    let runner = Runner { base: base.to_string(), token: tokens.get(call).await? };
    let request = build.build(&runner)?;
    call.send(&request, None).await
}

/// A query answer; `success: false` becomes an error (a 4xx already is one).
pub fn check_query(result: QueryResult) -> Result<QueryResult, FleetError> {
    if !result.success {
        let message = result.error.as_deref().unwrap_or(&result.message);
        return Err(FleetError::new(ErrorKind::BadRequest, if message.is_empty() { "query failed" } else { message }));
    }
    Ok(result)
}

#[cfg(test)]
#[path = "runner_tests.rs"]
mod tests;
