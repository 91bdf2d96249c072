//! The worst SQL a runner token can send to an instance's databases: it must end within the
//! statement time limit, answer within the size caps, and never touch a file outside the
//! instance's own database. Each test here was written before its fix.
mod support;

use serde_json::{json, Value};
use support::*;

struct Sql {
    base: String,
    id: String,
    token: String,
    http: reqwest::Client,
}

impl Sql {
    async fn new(server: &Server) -> Sql {
        let a = server.client(KEY_A);
        let id = a.make(json!({})).await;
        let (_, token) = a.get("/v1/runner-auth/token").await;
        let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(120)).build().unwrap();
        Sql { base: server.base.clone(), id, token: token["token"].as_str().unwrap().to_string(), http }
    }

    async fn query(&self, db: &str, sql: &str, read_only: bool) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/i/{}/api/v1/env/resources/sqlite/{db}/query", self.base, self.id))
            .header("X-Runner-Token", &self.token)
            .json(&json!({ "query": sql, "args": null, "read_only": read_only }))
            .send()
            .await
            .expect("the server answered");
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
}

fn refused(status: u16, body: &Value, code: u16, words: &str) {
    assert_eq!(status, code, "{body}");
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(words), "`{words}` not in {body}");
    assert_eq!(body["success"], json!(false), "{body}");
}

const FOREVER: &str = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";

#[tokio::test]
async fn a_query_that_never_ends_is_stopped_at_the_time_limit_and_the_server_stays_responsive() {
    let server = Server::start(&data_dir(), &[]);
    let sql = Sql::new(&server).await;
    let (forever, after) = tokio::join!(sql.query("current", FOREVER, true), async {
        // Meanwhile the server answers others.
        server.client(KEY_B).get("/v1/account").await
    });
    refused(forever.0, &forever.1, 400, "time limit");
    assert_eq!(after.0, 200);
    // And the database is still usable.
    assert_eq!(sql.query("current", "SELECT COUNT(*) FROM tickets", true).await.1["rows"], json!([[7]]));
}

#[tokio::test]
async fn an_answer_past_the_row_or_byte_cap_is_refused_with_a_clear_413() {
    let server = Server::start(&data_dir(), &[]);
    let sql = Sql::new(&server).await;
    let many = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 20001) SELECT x FROM c";
    let (status, body) = sql.query("current", many, true).await;
    refused(status, &body, 413, "10000 rows");
    let wide = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 100) \
                SELECT x, zeroblob(200000) FROM c";
    let (status, body) = sql.query("current", wide, true).await;
    refused(status, &body, 413, "MiB");
    let big_value = "SELECT randomblob(50000000)";
    let (status, body) = sql.query("current", big_value, true).await;
    assert!(status == 413 || status == 400, "{status} {body}");
    // Exactly at the cap is fine.
    let at_cap = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 10000) SELECT x FROM c";
    let (status, body) = sql.query("current", at_cap, true).await;
    assert_eq!((status, body["rows"].as_array().map(Vec::len)), (200, Some(10000)));
}

#[tokio::test]
async fn statements_that_reach_outside_the_instance_database_are_refused() {
    let server = Server::start(&data_dir(), &[]);
    let sql = Sql::new(&server).await;
    let outside = std::env::temp_dir().join(format!("flotilla-escape-{}.db", uuid::Uuid::new_v4().simple()));
    let keys = server.dir.join("api-keys.json");
    let db = server.dir.join("flotilla.db");
    let attempts = [
        format!("VACUUM INTO '{}'", outside.display()),
        format!("ATTACH DATABASE '{}' AS other", db.display()),
        format!("ATTACH DATABASE '{}' AS other", outside.display()),
        format!("ATTACH '{}' AS k", keys.display()),
        "PRAGMA writable_schema = 1".to_string(),
        "PRAGMA journal_mode = OFF".to_string(),
        "PRAGMA temp_store_directory = '/tmp'".to_string(),
        "SELECT load_extension('/tmp/x')".to_string(),
        "SELECT fts3_tokenizer('simple')".to_string(),
    ];
    for statement in &attempts {
        let (status, body) = sql.query("current", statement, false).await;
        assert!(status == 403 || status == 400, "{statement}: {status} {body}");
        assert_eq!(body["success"], json!(false), "{statement}: {body}");
        assert!(body["detail"].is_string(), "{statement}: {body}");
    }
    assert!(!outside.exists(), "no file was written outside the instance");
    // Reading schema information stays possible; ordinary writes too.
    assert_eq!(sql.query("current", "PRAGMA table_info(tickets)", true).await.0, 200);
    assert_eq!(sql.query("current", "SELECT name FROM pragma_table_list", true).await.0, 200);
    assert_eq!(sql.query("current", "UPDATE tickets SET status = 'closed' WHERE id = 1", false).await.0, 200);
}

#[tokio::test]
async fn sigterm_ends_the_server_promptly_while_a_query_runs() {
    let mut server = Server::start(&data_dir(), &[]);
    let sql = Sql::new(&server).await;
    let running = tokio::spawn(async move { sql.query("current", FOREVER, true).await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    server.terminate();
    // terminate() waits for the process: reaching this line at all is the assertion (before the
    // fix the server never exited). The query's client got an answer or a closed connection.
    let _ = running.await;
}

#[tokio::test]
async fn an_instance_database_cannot_grow_past_its_cap() {
    let dir = data_dir();
    let server = Server::start_with_env(&dir, &[], &[("FLOTILLA_MAX_DB_BYTES", "4194304")]);
    let sql = Sql::new(&server).await;
    assert_eq!(sql.query("current", "CREATE TABLE blobs (b BLOB)", false).await.0, 200);
    let mut answers = Vec::new();
    for _ in 0..8 {
        answers.push(sql.query("current", "INSERT INTO blobs VALUES (zeroblob(1048576))", false).await);
    }
    let (status, body) = answers.iter().find(|(s, _)| *s != 200).cloned().expect("a write past 4 MiB is refused");
    refused(status, &body, 413, "full");
    let size = std::fs::metadata(dir.join("instances").join(&sql.id).join("current.db")).unwrap().len();
    assert!(size <= 5 << 20, "the file stays near its cap: {size} bytes");
    assert_eq!(sql.query("current", "SELECT COUNT(*) FROM tickets", true).await.0, 200, "reads still work");
    // TEMP tables live in a database of their own: capped alike.
    let temp = "CREATE TEMP TABLE t AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 8) \
                SELECT zeroblob(1048576) AS b FROM n";
    let (status, body) = sql.query("current", temp, false).await;
    refused(status, &body, 413, "full");
}
