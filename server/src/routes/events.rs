//! `GET /v1/flotilla/events`: the caller's team's changes as Server-Sent Events. A flotilla
//! endpoint (the Fleet service has none). Without `Last-Event-ID` (or `?after=N`) the stream
//! starts with the next change; with it, it first replays what the client missed (the log keeps
//! the newest 10,000 per team, across restarts). Comments every 15 s keep proxies from idling
//! the connection out; the stream ends when the server shuts down (clients reconnect).
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};

use crate::error::{ApiError, ApiResult};
use crate::events::{Events, StreamSlot, MAX_STREAMS_PER_TEAM};
use crate::keys::Caller;
use crate::state::AppState;
use crate::store::EventRow;
use tokio::sync::watch;

/// Rows read from the log per query.
const PAGE: i64 = 200;

/// Where the client wants to resume: `Last-Event-ID` (what browsers and the SDK send on a
/// reconnect) wins over `?after=`; neither means "from now".
fn resume_point(headers: &HeaderMap, query: Option<String>, events: &Events, team_id: &str) -> ApiResult<i64> {
    let header = headers.get("last-event-id").map(|v| v.to_str().unwrap_or("\u{fffd}").to_string());
    let query = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "after")
        .map(|(_, v)| v.into_owned());
    let latest = events.latest(team_id)?;
    match header.or(query) {
        None => Ok(latest),
        Some(text) if text.trim().is_empty() => Ok(latest),
        // An id past the newest (a log that was wiped) resumes from now, not from that far ahead.
        Some(text) => text.trim().parse::<i64>().ok().filter(|n| *n >= 0).map(|n| n.min(latest)).ok_or_else(|| {
            ApiError::bad_request("Last-Event-ID (or `after`) must be an event id: a whole number from 0")
        }),
    }
}

struct Cursor {
    state: AppState,
    /// The key or session token the stream was opened with: checked again while it runs, so a
    /// revoked or expired token stops receiving.
    credential: String,
    events: Arc<Events>,
    team_id: String,
    after: i64,
    pending: VecDeque<EventRow>,
    closing: watch::Receiver<bool>,
    slot: StreamSlot,
}

/// How often an idle stream checks that its key or token still holds.
const RECHECK: Duration = Duration::from_secs(30);

impl Cursor {
    fn still_allowed(&self) -> bool {
        crate::auth::resolve(&self.state, &self.credential).is_some()
    }

    /// The next event of the team, waiting for one; `None` once the server shuts down or the
    /// log cannot be read.
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Cursor)> {
        loop {
            if *self.closing.borrow() {
                return None;
            }
            if !self.still_allowed() {
                return None;
            }
            if let Some(row) = self.pending.pop_front() {
                self.after = row.seq;
                let event = Event::default().id(row.seq.to_string()).data(row.payload);
                return Some((Ok(event), self));
            }
            // Mark what we have seen before reading, so a publish in between still wakes us.
            self.slot.wake.borrow_and_update();
            match self.events.store().events_after(&self.team_id, self.after, PAGE) {
                Ok(rows) if !rows.is_empty() => {
                    self.pending.extend(rows);
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %e, "could not read the event log");
                    return None;
                }
            }
            tokio::select! {
                changed = self.slot.wake.changed() => if changed.is_err() { return None },
                _ = self.closing.changed() => return None,
                // Wake now and then to check the credential even when nothing happens.
                () = tokio::time::sleep(RECHECK) => {}
            }
        }
    }
}

pub async fn stream(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let after = resume_point(&headers, query, &state.events, &caller.team_id)?;
    let credential = crate::auth::bearer(&headers).unwrap_or_default().to_string();
    let Some(slot) = state.events.open_stream(&caller.team_id) else {
        let detail = format!("A team may hold {MAX_STREAMS_PER_TEAM} event streams at once; close one first");
        return Err(ApiError::busy(detail, 10));
    };
    let cursor = Cursor {
        state: state.clone(),
        credential,
        events: state.events.clone(),
        team_id: caller.team_id.clone(),
        after,
        pending: VecDeque::new(),
        closing: state.events.watch_closing(),
        slot,
    };
    // The first frame says how long to wait before reconnecting, and where the stream starts
    // (an id with no data): a client cut off before any event resumes from here, not from "now".
    let hello = Event::default().retry(Duration::from_secs(1)).id(after.to_string()).comment("flotilla events");
    let hello = stream::once(async { Ok::<_, Infallible>(hello) });
    let body: std::pin::Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>> =
        Box::pin(stream::StreamExt::chain(hello, stream::unfold(cursor, Cursor::next)));
    let mut response = Sse::new(body).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response();
    response.headers_mut().insert("x-accel-buffering", HeaderValue::from_static("no"));
    response.headers_mut().insert("cache-control", HeaderValue::from_static("no-cache"));
    Ok(response)
}
