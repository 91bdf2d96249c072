//! TTL expiry, the heartbeat reaper, de-duplication and the instance limit, against the binary.
mod support;

use serde_json::json;
use support::*;

#[tokio::test]
async fn ttl_expiry_stops_the_instance() {
    let server = Server::start(&data_dir(), &[]);
    let a = server.client(KEY_A);
    let id = a.make(json!({ "ttl_seconds": 1 })).await;
    assert!(eventually(5000, || async { a.status_of(&id).await == "stopped" }).await, "TTL did not stop the instance");
    let (_, v) = a.get(&format!("/v1/env/instances/{id}")).await;
    assert!(v["terminated_at"].is_string());
}

#[tokio::test]
async fn heartbeats_keep_an_instance_alive_past_its_ttl_and_three_missed_intervals_stop_it() {
    let server = Server::start(&data_dir(), &[]);
    let a = server.client(KEY_A);
    let id = a.make(json!({ "ttl_seconds": 1, "heartbeat_interval": 1 })).await;
    // Beat every 0.5 s for 4 s: well past the 1 s TTL.
    for _ in 0..8 {
        let (status, v) = a.post(&format!("/v1/env/instances/{id}/heartbeat"), json!({})).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["success"], true);
        assert_eq!(v["interval_seconds"], 1);
        assert!(v["deadline_timestamp"].as_f64().unwrap() > 0.0);
        assert!(v["last_heartbeat"].is_string());
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert_eq!(a.status_of(&id).await, "running");
    // Stop beating: three missed 1 s intervals stop it.
    assert!(eventually(6000, || async { a.status_of(&id).await == "stopped" }).await);
    let (status, v) = a.post(&format!("/v1/env/instances/{id}/heartbeat"), json!({})).await;
    assert_eq!(status, 410, "a stopped instance refuses heartbeats: {v}");
    assert!(v["detail"].as_str().unwrap().contains("stopped"));
}

#[tokio::test]
async fn a_retried_create_with_the_same_request_id_is_a_409_with_the_instance_id() {
    let server = Server::start(&data_dir(), &[]);
    let a = server.client(KEY_A);
    let body = json!({ "env_key": "helpdesk", "max_wait_seconds": 30 });
    let (s1, first) = a.send("POST", "/v1/env/instances", Some(body.clone()), Some("req-123")).await;
    assert_eq!(s1, 200);
    let (s2, second) = a.send("POST", "/v1/env/instances", Some(body), Some("req-123")).await;
    assert_eq!(s2, 409);
    assert_eq!(second["detail"]["error"], "duplicate_request_id");
    assert_eq!(second["detail"]["instance_id"], first["instance_id"]);
    let (_, list) = a.get("/v1/env/instances").await;
    assert_eq!(list.as_array().unwrap().len(), 1, "never a second instance");
}

#[tokio::test]
async fn the_instance_limit_is_a_structured_403() {
    let server = Server::start(&data_dir(), &[]);
    let a = server.client(KEY_A);
    for _ in 0..3 {
        a.make(json!({})).await;
    }
    let (status, v) = a.post("/v1/env/instances", json!({ "env_key": "helpdesk" })).await;
    assert_eq!(status, 403);
    assert_eq!(v["detail"]["error_type"], "instance_limit_exceeded");
    assert_eq!(v["detail"]["running_instances"], 3);
    assert_eq!(v["detail"]["instance_limit"], 3);
    let (_, account) = a.get("/v1/account").await;
    assert_eq!(account["instance_count"], 3);
}

#[tokio::test]
async fn close_and_batch_close_by_run_and_profile() {
    let server = Server::start(&data_dir(), &[]);
    let a1 = server.client(KEY_A);
    let a2 = server.client(KEY_A_OTHER_PROFILE);
    let x = a1.make(json!({ "run_id": "r1" })).await;
    let _y = a1.make(json!({ "run_id": "r1" })).await;
    let z = a2.make(json!({ "run_id": "r2" })).await;
    let (status, closed) = a1.delete("/v1/env/instances/batch?run_id=r1").await;
    assert_eq!(status, 200);
    assert_eq!(closed.as_array().unwrap().len(), 2);
    assert_eq!(a1.status_of(&x).await, "stopped");
    assert_eq!(a1.status_of(&z).await, "running");
    let (_, runs) = a1.get("/v1/env/runs?active=all").await;
    let r1 = runs.as_array().unwrap().iter().find(|r| r["run_id"] == "r1").unwrap();
    assert_eq!((r1["running_count"].as_i64(), r1["total_count"].as_i64()), (Some(0), Some(2)));
    let (_, active) = a1.get("/v1/env/runs?active=active").await;
    assert_eq!(active.as_array().unwrap().len(), 1);
    let (_, closed) = a2.delete("/v1/env/instances/batch?profile_id=self").await;
    assert_eq!(closed.as_array().unwrap().len(), 1);
    assert_eq!(a1.status_of(&z).await, "stopped");
    let (status, v) = a1.delete(&format!("/v1/env/instances/{x}")).await;
    assert_eq!((status, v["status"].as_str()), (200, Some("stopped")), "closing twice is harmless");
    let (status, _) = a1.delete("/v1/env/instances/batch").await;
    assert_eq!(status, 400, "batch close needs a run or a profile");
}
