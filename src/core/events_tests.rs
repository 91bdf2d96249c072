//! The event stream natively: SSE parsing, resume, reconnect delays, errors that end it.
use std::collections::VecDeque;

use serde_json::{json, Value};

use super::events::{next_event, EventStream, EventsOptions, FleetEvent, Next, Opened, SseParser, StreamIo};
use super::io::{Failure, HttpResponse, ResponseBody};
use super::testing::{client, run, FakeIo, Open};
use crate::core::error::ErrorKind;
use crate::core::http::HttpRequest;

impl StreamIo for FakeIo {
    type Stream = VecDeque<Result<&'static str, Failure>>;

    async fn open(&self, request: &HttpRequest, _timeout_ms: f64) -> Result<Opened<Self::Stream, Value>, Failure> {
        self.sent.borrow_mut().push(request.clone());
        match self.opens.borrow_mut().pop_front().expect("no open scripted") {
            Open::Stream(reads) => Ok(Opened::Stream(reads.into_iter().collect())),
            Open::Answer(status, body) => {
                Ok(Opened::Answer(HttpResponse { status, retry_after: None, body: ResponseBody::Json(body) }))
            }
            Open::Busy(retry_after) => Ok(Opened::Answer(HttpResponse {
                status: 429,
                retry_after: Some(retry_after.into()),
                body: ResponseBody::Json(json!({"detail": "too many streams"})),
            })),
            Open::Fail(failure) => Err(failure),
        }
    }

    async fn read(&self, stream: &mut Self::Stream, _idle_ms: f64) -> Result<Option<Vec<u8>>, Failure> {
        match stream.pop_front() {
            Some(Ok(text)) => Ok(Some(text.as_bytes().to_vec())),
            Some(Err(failure)) => Err(failure),
            None => Ok(None),
        }
    }

    fn close(&self, _stream: Self::Stream) {
        self.closed.set(self.closed.get() + 1);
    }

    fn parse_json(&self, text: &str) -> Option<Value> {
        serde_json::from_str(text).ok()
    }
}

fn stream_io(opens: Vec<Open>) -> FakeIo {
    let io = FakeIo::new([]);
    io.opens.borrow_mut().extend(opens);
    io
}

fn next(io: &FakeIo, stream: &mut EventStream<VecDeque<Result<&'static str, Failure>>>) -> Option<FleetEvent> {
    loop {
        match run(next_event(io, &client().config, 1000.0, stream)).unwrap() {
            Next::Connected => continue,
            Next::Event(event) => return Some(*event),
            Next::Ended => return None,
        }
    }
}

const CREATED: &str =
    "id: 7\ndata: {\"type\":\"instance.created\",\"created_at\":\"t\",\"instance_id\":\"inst_1\"}\n\n";
const RUNNING: &str =
    "id: 8\ndata: {\"type\":\"instance.running\",\"created_at\":\"t\",\"instance_id\":\"inst_1\"}\n\n";

#[test]
fn parses_frames_split_anywhere_with_comments_crlf_and_multiline_data() {
    let text = ": hello\r\nretry: 2500\r\nid: 1\r\nevent: x\r\ndata: a\r\ndata: b\r\n\r\ndata: c\n\n";
    for split in 0..text.len() {
        let mut parser = SseParser::default();
        let mut frames = parser.push(&text.as_bytes()[..split]);
        frames.extend(parser.push(&text.as_bytes()[split..]));
        assert_eq!(frames.len(), 2, "split at {split}");
        assert_eq!(
            (frames[0].id.as_deref(), frames[0].event.as_deref(), frames[0].data.as_str()),
            (Some("1"), Some("x"), "a\nb")
        );
        // The id carries over to a frame without one, as the spec says.
        assert_eq!((frames[1].id.as_deref(), frames[1].data.as_str()), (Some("1"), "c"));
        assert_eq!(parser.retry_ms, Some(2500));
    }
}

#[test]
fn an_event_over_a_mebibyte_is_skipped_and_the_stream_goes_on() {
    let big = format!("id: 7\ndata: {}\n\n", "x".repeat((1 << 20) + 10));
    let io = stream_io(vec![Open::Stream(vec![Ok(Box::leak(big.into_boxed_str())), Ok(RUNNING)])]);
    let mut stream = EventStream::new(&EventsOptions::default()).unwrap();
    assert_eq!(next(&io, &mut stream).unwrap().id, "8", "the oversized event 7 was skipped");
    assert!(io.logs.borrow().iter().any(|l| l.contains("over 1 MiB")));
}

#[test]
fn an_id_that_could_not_be_sent_back_is_ignored() {
    let mut parser = SseParser::default();
    parser.push(b"id: 5\ndata: {}\n\nid: \xc3\xa96\ndata: {}\n\n");
    assert_eq!(parser.last_id.as_deref(), Some("5"));
}

#[test]
fn events_arrive_in_order_with_their_ids_and_a_reconnect_resumes_after_the_last() {
    let io = stream_io(vec![
        Open::Stream(vec![Ok("retry: 200\n: hi\n\n"), Ok(&CREATED[..20]), Ok(&CREATED[20..])]),
        Open::Fail(Failure::Network("refused".into())),
        Open::Stream(vec![Ok(RUNNING)]),
    ]);
    let mut stream = EventStream::new(&EventsOptions::default()).unwrap();
    let first = next(&io, &mut stream).unwrap();
    assert_eq!(
        (first.id.as_str(), first.kind.as_str(), first.instance_id.as_deref()),
        ("7", "instance.created", Some("inst_1"))
    );
    let second = next(&io, &mut stream).unwrap();
    assert_eq!((second.id.as_str(), second.kind.as_str()), ("8", "instance.running"));
    let sent = io.sent.borrow();
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0].header("Last-Event-ID"), None, "the first connection starts from now");
    assert_eq!(sent[0].header("Accept"), Some("text/event-stream"));
    assert_eq!(sent[1].header("Last-Event-ID"), Some("7"));
    assert_eq!(sent[2].header("Last-Event-ID"), Some("7"));
    // The server's retry (200 ms) after the end, then doubled after the refused connect (x1.0 jitter).
    assert_eq!(*io.sleeps.borrow(), vec![200.0, 400.0]);
}

#[test]
fn a_given_last_event_id_is_sent_on_the_first_connection() {
    let io = stream_io(vec![Open::Stream(vec![Ok(RUNNING)])]);
    let mut stream =
        EventStream::new(&EventsOptions { last_event_id: Some("7".into()), ..Default::default() }).unwrap();
    assert_eq!(next(&io, &mut stream).unwrap().id, "8");
    assert_eq!(io.sent.borrow()[0].header("Last-Event-ID"), Some("7"));
    assert_eq!(stream.last_event_id(), Some("8"));
}

#[test]
fn reconnect_waits_grow_to_thirty_seconds() {
    let mut opens: Vec<Open> = (0..8).map(|_| Open::Answer(503, json!({"detail": "busy"}))).collect();
    opens.push(Open::Stream(vec![Ok(CREATED)]));
    let io = stream_io(opens);
    let mut stream = EventStream::new(&EventsOptions::default()).unwrap();
    assert_eq!(next(&io, &mut stream).unwrap().id, "7");
    assert_eq!(*io.sleeps.borrow(), vec![1000.0, 2000.0, 4000.0, 8000.0, 16000.0, 30000.0, 30000.0, 30000.0]);
}

#[test]
fn an_answer_a_retry_cannot_fix_ends_the_stream_with_its_error() {
    let io = stream_io(vec![Open::Answer(401, json!({"detail": "Invalid API key"}))]);
    let mut stream = EventStream::new(&EventsOptions::default()).unwrap();
    let error = first_error(&io, &mut stream);
    assert_eq!(error.kind, ErrorKind::Authentication);
    assert_eq!(next(&io, &mut stream), None, "and it stays ended");

    let io = stream_io(vec![Open::Answer(404, json!({"detail": "Not found"}))]);
    let mut stream = EventStream::new(&EventsOptions::default()).unwrap();
    let error = first_error(&io, &mut stream);
    assert_eq!(error.kind, ErrorKind::NotFound);
    assert!(error.message.contains("the Fleet service has none"), "{}", error.message);
}

#[test]
fn abort_ends_the_stream_quietly_while_reading_or_waiting() {
    let io = stream_io(vec![Open::Stream(vec![Ok(CREATED), Err(Failure::Aborted)])]);
    let mut stream = EventStream::new(&EventsOptions::default()).unwrap();
    assert!(next(&io, &mut stream).is_some());
    assert_eq!(next(&io, &mut stream), None);
    assert_eq!(io.sent.borrow().len(), 1, "no reconnect after an abort");

    let io = stream_io(vec![Open::Fail(Failure::Network("down".into()))]);
    io.abort_sleeps.set(true);
    let mut stream = EventStream::new(&EventsOptions::default()).unwrap();
    assert_eq!(next(&io, &mut stream), None);
}

#[test]
fn a_frame_it_cannot_read_is_skipped_and_logged() {
    let io = stream_io(vec![Open::Stream(vec![
        Ok("id: 1\ndata: not json\n\nid: 2\ndata: {\"no\":\"type\"}\n\n"),
        Ok(CREATED),
    ])]);
    let mut stream = EventStream::new(&EventsOptions::default()).unwrap();
    assert_eq!(next(&io, &mut stream).unwrap().id, "7");
    assert_eq!(io.logs.borrow().iter().filter(|l| l.contains("skipped")).count(), 2);
}

#[test]
fn finish_hands_back_the_connection_and_ends_the_stream() {
    let io = stream_io(vec![Open::Stream(vec![Ok(CREATED), Ok(RUNNING)])]);
    let mut stream = EventStream::new(&EventsOptions::default()).unwrap();
    assert!(next(&io, &mut stream).is_some());
    assert!(stream.finish().is_some());
    assert_eq!(next(&io, &mut stream), None);
}

#[test]
fn bad_options_are_refused_before_anything_is_sent() {
    let bad_id = EventsOptions { last_event_id: Some("1\r\nX: y".into()), ..Default::default() };
    assert_eq!(EventStream::<()>::new(&bad_id).err().unwrap().kind, ErrorKind::Validation);
    for ms in [0.0, -1.0, f64::NAN, 1e12] {
        let bad_timeout = EventsOptions { timeout_ms: Some(ms), ..Default::default() };
        assert_eq!(EventStream::<()>::new(&bad_timeout).err().unwrap().kind, ErrorKind::Validation, "{ms}");
    }
}

fn first_error(
    io: &FakeIo,
    stream: &mut EventStream<VecDeque<Result<&'static str, Failure>>>,
) -> crate::core::error::FleetError {
    loop {
        match run(next_event(io, &client().config, 1000.0, stream)) {
            Ok(Next::Connected) => continue,
            Ok(other) => panic!("expected an error, got {other:?}"),
            Err(error) => return error,
        }
    }
}

#[test]
fn each_connection_is_announced() {
    let io = stream_io(vec![Open::Stream(vec![Ok(CREATED)])]);
    let mut stream = EventStream::new(&EventsOptions::default()).unwrap();
    assert_eq!(run(next_event(&io, &client().config, 1000.0, &mut stream)).unwrap(), Next::Connected);
    assert!(matches!(run(next_event(&io, &client().config, 1000.0, &mut stream)).unwrap(), Next::Event(_)));
}

#[test]
fn a_connection_cut_mid_frame_resumes_before_that_event() {
    let io = stream_io(vec![
        Open::Stream(vec![Ok(CREATED), Ok("id: 8\ndata: {\"type\":\"instance.run")]),
        Open::Stream(vec![Ok(RUNNING)]),
    ]);
    let mut stream = EventStream::new(&EventsOptions::default()).unwrap();
    assert_eq!(next(&io, &mut stream).unwrap().id, "7");
    assert_eq!(next(&io, &mut stream).unwrap().id, "8");
    assert_eq!(io.sent.borrow()[1].header("Last-Event-ID"), Some("7"), "event 8 was never complete");
    assert_eq!(io.closed.get(), 1, "the ended connection was closed");
}

#[test]
fn the_servers_first_frame_gives_the_position_to_resume_from() {
    // `id: 5` with no data: nothing to hand out, but a reconnect resumes after 5.
    let io = stream_io(vec![Open::Stream(vec![Ok("retry: 100\nid: 5\n\n")]), Open::Stream(vec![Ok(CREATED)])]);
    let mut stream = EventStream::new(&EventsOptions::default()).unwrap();
    assert_eq!(next(&io, &mut stream).unwrap().id, "7");
    assert_eq!(io.sent.borrow()[1].header("Last-Event-ID"), Some("5"));
}

#[test]
fn last_event_id_is_the_last_event_handed_out_even_when_more_were_read() {
    let both =
        "id: 7\ndata: {\"type\":\"a\",\"created_at\":\"t\"}\n\nid: 8\ndata: {\"type\":\"b\",\"created_at\":\"t\"}\n\n";
    let io = stream_io(vec![Open::Stream(vec![Ok(both)])]);
    let mut stream = EventStream::new(&EventsOptions::default()).unwrap();
    assert_eq!(next(&io, &mut stream).unwrap().id, "7");
    assert_eq!(stream.last_event_id(), Some("7"), "8 is read but not handed out");
    assert!(stream.finish().is_some());
    assert_eq!(stream.last_event_id(), Some("7"), "and a break keeps it so");
}

#[test]
fn a_busy_server_is_waited_for_as_long_as_its_retry_after_says() {
    let io = stream_io(vec![Open::Busy("7"), Open::Stream(vec![Ok(CREATED)])]);
    let mut stream = EventStream::new(&EventsOptions::default()).unwrap();
    assert_eq!(next(&io, &mut stream).unwrap().id, "7");
    assert_eq!(*io.sleeps.borrow(), vec![7000.0]);
}

#[test]
fn a_success_that_is_not_an_event_stream_ends_it_as_an_invalid_response() {
    let io = stream_io(vec![Open::Answer(200, json!({"hello": "world"}))]);
    let mut stream = EventStream::new(&EventsOptions::default()).unwrap();
    assert_eq!(first_error(&io, &mut stream).kind, ErrorKind::InvalidResponse);
}

#[test]
fn a_frame_of_many_data_lines_is_capped_too() {
    let mut parser = SseParser::default();
    let line = format!("data: {}\n", "x".repeat(1000));
    for _ in 0..1100 {
        assert!(parser.push(line.as_bytes()).is_empty());
    }
    let frames = parser.push(b"\n");
    assert!(frames[0].skipped && frames[0].data.is_empty());
}

#[test]
fn a_server_that_ends_every_stream_at_once_is_called_ever_more_slowly() {
    let opens = (0..4).map(|_| Open::Stream(vec![Ok("retry: 0\n\n")])).chain([Open::Stream(vec![Ok(CREATED)])]);
    let io = stream_io(opens.collect());
    let mut stream = EventStream::new(&EventsOptions::default()).unwrap();
    assert_eq!(next(&io, &mut stream).unwrap().id, "7");
    assert_eq!(*io.sleeps.borrow(), vec![100.0, 200.0, 400.0, 800.0]);
}
