//! Live events (`fleet.events()`): flotilla-server's `GET /v1/flotilla/events` stream of the
//! team's changes, as Server-Sent Events. The Fleet service has no such endpoint (it answers
//! 404, which ends the stream with a `NotFoundError` saying so).
//!
//! [`next_event`] owns every decision: when to connect, how to resume (`Last-Event-ID`), when
//! to reconnect and after how long (the server's `retry`, doubled per failure up to 30 s, with
//! jitter), which answers end the stream (any error that a retry cannot fix), and what to do
//! with a frame it cannot read (skip it). The edge only opens the stream and reads bytes.
use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::classify::classify_response;
use super::client::{CallContext, ClientConfig};
use super::error::{ErrorKind, FleetError};
use super::http::{HttpRequest, Method};
use super::io::{Failure, HttpResponse, Io, JsonBody, Level, LogValue};
use super::retry::parse_retry_after_ms;

/// One change on the server (`FleetEvent`). `type` says what happened; the fields that apply
/// are set, the others `null`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct FleetEvent {
    /// The stream's id of this event (what `Last-Event-ID` resumes after).
    #[serde(default)]
    pub id: String,
    /// `instance.created`, `instance.running`, `instance.stopped`, `instance.heartbeat_missed`,
    /// `job.created`, `session.created`, `session.updated`, `session.completed`,
    /// `verifier.executed` (new kinds may come: ignore those you do not know).
    #[serde(rename = "type")]
    pub kind: String,
    pub created_at: String,
    pub instance_id: Option<String>,
    pub env_key: Option<String>,
    pub run_id: Option<String>,
    pub status: Option<String>,
    /// Why an instance stopped: `closed`, `ttl_expired`, `heartbeat_missed`, `shutdown`, ...
    pub reason: Option<String>,
    pub job_id: Option<String>,
    pub session_id: Option<String>,
    pub task_key: Option<String>,
    pub message_count: Option<i64>,
    pub execution_id: Option<String>,
    pub score: Option<f64>,
    pub success: Option<bool>,
}

/// Options of `fleet.events()` besides `signal`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventsOptions {
    /// Resume after this event id (replays what came after it); default: from now.
    pub last_event_id: Option<String>,
    /// The limit on opening one connection, in ms (default: the client's timeout).
    pub timeout_ms: Option<f64>,
    /// Read by the edge (an `AbortSignal` is not JSON); listed so the key is known.
    pub signal: Option<serde::de::IgnoredAny>,
    /// Read by the edge (a function): called each time a connection opens.
    pub on_open: Option<serde::de::IgnoredAny>,
}

/// One dispatched SSE frame.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SseFrame {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
    /// Too big to keep: dropped (its id still counts, so a resume does not fetch it again).
    pub skipped: bool,
}

/// The longest line, and the most data one frame holds, in bytes: past it the frame is skipped.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// An incremental `text/event-stream` parser (lines end in LF or CRLF; a lone CR, which no
/// server of this protocol sends, is not a line end here).
#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    /// A line passed [`MAX_LINE_BYTES`]: its bytes are dropped up to its end, and the frame it
    /// belongs to is skipped (one oversized event does not end the stream).
    oversized: bool,
    data: Option<String>,
    event: Option<String>,
    /// The frame being read is too big: it is dropped when it ends.
    skipping: bool,
    /// An `id:` of the frame being read: it counts only once the frame is complete, so a
    /// connection cut mid-frame resumes before that event, not after it.
    pending_id: Option<String>,
    /// The id of the last complete frame (kept across frames, as the spec says); a frame with an
    /// id and no data moves it too (the server's first frame says where the stream starts).
    pub last_id: Option<String>,
    /// The last `retry:` the server sent, in ms.
    pub retry_ms: Option<u32>,
}

impl SseParser {
    /// Feeds bytes; answers the frames they complete. A frame past [`MAX_LINE_BYTES`] is
    /// skipped (its frame comes back with empty data and `skipped` set), never held whole.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<SseFrame> {
        let mut frames = Vec::new();
        for &b in bytes {
            if b != b'\n' {
                if self.oversized {
                    continue;
                }
                if self.line.len() >= MAX_LINE_BYTES {
                    self.line.clear();
                    (self.oversized, self.skipping) = (true, true);
                    continue;
                }
                self.line.push(b);
                continue;
            }
            if std::mem::take(&mut self.oversized) {
                continue; // the end of a line too long to keep: dropped, its frame skipped
            }
            if self.line.last() == Some(&b'\r') {
                self.line.pop();
            }
            let line = String::from_utf8_lossy(&self.line).into_owned();
            self.line.clear();
            if let Some(frame) = self.line_done(&line) {
                frames.push(frame);
            }
            if self.data.as_ref().is_some_and(|d| d.len() > MAX_LINE_BYTES) {
                (self.data, self.skipping) = (None, true);
            }
        }
        frames
    }

    fn line_done(&mut self, line: &str) -> Option<SseFrame> {
        if line.is_empty() {
            if let Some(id) = self.pending_id.take() {
                self.last_id = Some(id);
            }
            let event = self.event.take();
            if std::mem::take(&mut self.skipping) {
                self.data = None;
                return Some(SseFrame { id: self.last_id.clone(), event, data: String::new(), skipped: true });
            }
            let data = self.data.take()?;
            return Some(SseFrame { id: self.last_id.clone(), event, data, skipped: false });
        }
        if self.skipping && line.starts_with("data") {
            return None;
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_string()),
            },
            "event" => self.event = Some(value.to_string()),
            // An id that could not go back as `Last-Event-ID` is ignored (the previous one holds).
            "id" if super::client::header_value_ok(value) => self.pending_id = Some(value.to_string()),
            "retry" => self.retry_ms = value.parse().ok().or(self.retry_ms),
            _ => {}
        }
        None
    }

    /// A new connection: a half-read line of the old one is dropped, the last id kept.
    fn reconnected(&mut self) {
        self.line.clear();
        self.data = None;
        self.event = None;
        self.pending_id = None;
        self.oversized = false;
        self.skipping = false;
    }
}

/// What opening the stream gave.
pub enum Opened<S, J> {
    Stream(S),
    /// Not a stream: an error answer.
    Answer(HttpResponse<J>),
}

/// The I/O a stream needs on top of [`Io`]: open a streaming `GET`, read its next bytes.
#[allow(async_fn_in_trait)]
pub trait StreamIo: Io {
    type Stream;
    async fn open(&self, request: &HttpRequest, timeout_ms: f64) -> Result<Opened<Self::Stream, Self::Json>, Failure>;
    /// The next bytes; `None` when the server ended the stream. Fails with `TimedOut` when
    /// nothing (not even a keep-alive comment) came for `idle_ms`.
    async fn read(&self, stream: &mut Self::Stream, idle_ms: f64) -> Result<Option<Vec<u8>>, Failure>;
    /// Stops reading (frees the connection).
    fn close(&self, stream: Self::Stream);
    /// The engine's JSON parse of one frame's data.
    fn parse_json(&self, text: &str) -> Option<Self::Json>;
}

/// The server sends a comment every 15 s; silence for this long means the connection is dead.
pub const IDLE_MS: f64 = 45_000.0;
/// The longest wait between reconnects.
pub const MAX_RECONNECT_MS: f64 = 30_000.0;

/// What [`next_event`] gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    Event(Box<FleetEvent>),
    /// A connection was (re)opened: events from the stream's position on will come.
    Connected,
    /// Aborted or finished: no more events.
    Ended,
}

/// A stream's state between `next()` calls.
pub struct EventStream<S> {
    parser: SseParser,
    connection: Option<S>,
    queue: VecDeque<FleetEvent>,
    /// Where a caller that stops now should resume: the last event handed out, or, with
    /// nothing queued, the stream's position (which may be past events that had no data).
    delivered: Option<String>,
    failures: u32,
    /// The server's `Retry-After` on a refused connection (a 429), for the next wait.
    retry_after_ms: Option<f64>,
    finished: bool,
}

impl<S> EventStream<S> {
    /// Checks the options (a bad one is a `ValidationError` before anything is sent).
    pub fn new(options: &EventsOptions) -> Result<Self, FleetError> {
        if let Some(id) = &options.last_event_id {
            if !super::client::header_value_ok(id) {
                return Err(FleetError::validation("events options: `lastEventId` must be an id the stream gave"));
            }
        }
        if let Some(ms) = options.timeout_ms {
            if !(ms > 0.0 && ms <= super::call::MAX_TIMEOUT_MS) {
                return Err(FleetError::validation("events options: `timeoutMs` must be a positive number of ms"));
            }
        }
        let parser = SseParser { last_id: options.last_event_id.clone(), ..SseParser::default() };
        let delivered = options.last_event_id.clone();
        Ok(EventStream {
            parser,
            connection: None,
            queue: VecDeque::new(),
            delivered,
            failures: 0,
            retry_after_ms: None,
            finished: false,
        })
    }

    /// The id to resume after without missing or repeating an event: the last one handed out,
    /// or the stream's position when nothing is waiting (or the id it was opened with).
    pub fn last_event_id(&self) -> Option<&str> {
        if self.queue.is_empty() {
            self.parser.last_id.as_deref().or(self.delivered.as_deref())
        } else {
            self.delivered.as_deref()
        }
    }

    /// Ends the stream: `next_event` answers `None` from now on; the open connection, if any,
    /// is handed back to be closed.
    pub fn finish(&mut self) -> Option<S> {
        self.finished = true;
        if !self.queue.is_empty() {
            // Events read but never handed out: a later stream must resume before them.
            self.parser.last_id = self.delivered.clone();
            self.queue.clear();
        }
        self.connection.take()
    }

    /// How long to wait before reconnecting after `failures` failures in a row: the server's
    /// `Retry-After` when it gave one (up to 2 minutes), else its `retry` doubled per failure.
    fn delay_ms(&mut self, random: f64) -> f64 {
        if let Some(ms) = self.retry_after_ms.take() {
            return ms.min(120_000.0);
        }
        let base = f64::from(self.parser.retry_ms.unwrap_or(1000)).max(100.0);
        let doubled = base * 2f64.powi(self.failures.saturating_sub(1).min(16) as i32);
        doubled.min(MAX_RECONNECT_MS) * (0.8 + 0.4 * random)
    }
}

/// `GET /v1/flotilla/events`, resuming after `last_event_id`.
pub fn request(config: &ClientConfig, last_event_id: Option<&str>, ctx: &CallContext) -> HttpRequest {
    let mut request = config.request(Method::Get, "/v1/flotilla/events", None, ctx);
    request.headers.push(("Accept".into(), "text/event-stream".into()));
    if let Some(id) = last_event_id.filter(|id| super::client::header_value_ok(id)) {
        request.headers.push(("Last-Event-ID".into(), id.to_string()));
    }
    request
}

/// The next event, waiting (and reconnecting) as long as it takes. [`Next::Connected`] each time
/// a connection opens; [`Next::Ended`] once the stream was aborted or finished. An error ends
/// the stream.
pub async fn next_event<I: StreamIo>(
    io: &I,
    config: &ClientConfig,
    timeout_ms: f64,
    stream: &mut EventStream<I::Stream>,
) -> Result<Next, FleetError> {
    let ended = |stream: &mut EventStream<I::Stream>| {
        stream.finished = true;
        Ok(Next::Ended)
    };
    loop {
        if let Some(event) = stream.queue.pop_front() {
            stream.delivered = Some(event.id.clone());
            return Ok(Next::Event(Box::new(event)));
        }
        if stream.finished {
            return Ok(Next::Ended);
        }
        let Some(mut connection) = stream.connection.take() else {
            if stream.failures > 0 {
                let wait = stream.delay_ms(io.random());
                if io.sleep(wait).await.is_err() {
                    return ended(stream);
                }
            }
            let ctx = io.new_call();
            let req = request(config, stream.last_event_id(), &ctx);
            match io.open(&req, timeout_ms).await {
                Ok(Opened::Stream(connection)) => {
                    stream.parser.reconnected();
                    stream.connection = Some(connection);
                    return Ok(Next::Connected);
                }
                Ok(Opened::Answer(answer)) => {
                    let mut error = classify_response(&answer).with_request_id(&ctx.request_id);
                    if (200..300).contains(&answer.status) {
                        error = FleetError::invalid_response(
                            "the server answered GET /v1/flotilla/events with something other than an event stream",
                        )
                        .with_request_id(&ctx.request_id);
                    }
                    if !error.retryable() {
                        stream.finished = true;
                        if error.kind == ErrorKind::NotFound {
                            error.message = "This server has no event stream (GET /v1/flotilla/events is \
                                             flotilla-server's; the Fleet service has none: poll instead)"
                                .into();
                        }
                        return Err(error);
                    }
                    stream.retry_after_ms =
                        answer.retry_after.as_deref().and_then(|v| parse_retry_after_ms(v, io.now_ms()));
                    stream.failures += 1;
                }
                Err(Failure::Aborted) => return ended(stream),
                Err(failure) => {
                    let why = match failure {
                        Failure::Network(why) => why,
                        _ => "timed out".into(),
                    };
                    io.log(Level::Warn, "event stream: could not connect", &[("why", LogValue::Text(why))]);
                    stream.failures += 1;
                }
            }
            continue;
        };
        match io.read(&mut connection, IDLE_MS).await {
            Ok(Some(bytes)) => {
                stream.connection = Some(connection);
                for frame in stream.parser.push(&bytes) {
                    stream.failures = 0;
                    if frame.skipped {
                        io.log(Level::Warn, "event stream: skipped an event over 1 MiB", &[]);
                        continue;
                    }
                    let decoded = io.parse_json(&frame.data).map(|json| json.decode::<FleetEvent>());
                    match decoded {
                        Some(Ok(mut event)) => {
                            event.id = frame.id.unwrap_or_default();
                            stream.queue.push_back(event);
                        }
                        _ => io.log(Level::Warn, "event stream: skipped a frame it could not read", &[]),
                    }
                }
            }
            // The server ended the stream (a restart, a shutdown): reconnect after its `retry`.
            // Each end in a row without an event waits longer (a server that ends every stream at
            // once, with `retry: 0`, is not called in a tight loop).
            Ok(None) => {
                io.close(connection);
                stream.failures += 1;
            }
            Err(Failure::Aborted) => {
                io.close(connection);
                return ended(stream);
            }
            Err(_) => {
                io.close(connection);
                stream.failures += 1;
            }
        }
    }
}
