//! The worst HTTP client: sockets that never finish their headers cannot hold the server (or its
//! shutdown) forever. Found by a hostile run against `axum::serve`, where each of these hung.
mod support;

use std::time::Duration;

use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn half_sent(base: &str) -> TcpStream {
    let mut socket = TcpStream::connect(base.trim_start_matches("http://")).await.unwrap();
    socket.write_all(b"GET /v1/flotilla/events HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    socket
}

#[tokio::test]
async fn a_connection_that_never_finishes_its_headers_is_closed() {
    let server = Server::start(&data_dir(), &[]);
    let mut socket = half_sent(&server.base).await;
    let mut buffer = [0u8; 1024];
    // The server gives up on it (after its header timeout) and closes: read sees the end or a
    // 408. Without the timeout this read never returned (the bound here only stops a hang).
    let read = tokio::time::timeout(Duration::from_secs(60), socket.read(&mut buffer)).await;
    let n = read.expect("the server closed the half-sent connection").unwrap_or(0);
    let answer = String::from_utf8_lossy(&buffer[..n]);
    assert!(n == 0 || answer.starts_with("HTTP/1.1 408"), "{answer}");
    let (status, _) = server.client(KEY_A).get("/v1/account").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn sigterm_does_not_wait_for_half_sent_connections() {
    let mut server = Server::start(&data_dir(), &[]);
    let _held: Vec<TcpStream> = open_half_sent(&server.base, 20).await;
    // terminate() waits for the process: returning at all is the assertion.
    server.terminate();
}

async fn open_half_sent(base: &str, n: usize) -> Vec<TcpStream> {
    let mut sockets = Vec::new();
    for _ in 0..n {
        sockets.push(half_sent(base).await);
    }
    sockets
}

#[tokio::test]
async fn a_body_trickled_a_byte_at_a_time_is_cut_off_at_the_deadline() {
    let server = Server::start_with_env(&data_dir(), &[], &[("FLOTILLA_BODY_DEADLINE_SECS", "2")]);
    let mut socket = TcpStream::connect(server.base.trim_start_matches("http://")).await.unwrap();
    let head = "POST /v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n";
    socket.write_all(head.as_bytes()).await.unwrap();
    // One byte a second: each comes well within any idle timeout, the whole never does.
    let trickle = async {
        for byte in b"{\"api_key\": \"" {
            if socket.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), trickle).await;
    let mut buffer = [0u8; 2048];
    let n =
        tokio::time::timeout(Duration::from_secs(30), socket.read(&mut buffer)).await.expect("an answer").unwrap_or(0);
    let answer = String::from_utf8_lossy(&buffer[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("did not arrive within 2 s"), "{answer}");
}
