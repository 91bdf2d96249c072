//! The built-in help desk: HTML forms, JSON API and MCP over the instance's own database.
mod support;

use serde_json::{json, Value};
use support::*;

async fn instance(server: &Server) -> (String, String) {
    let a = server.client(KEY_A);
    let id = a.make(json!({})).await;
    let app = format!("{}/i/{id}/app/", server.base);
    (id, app)
}

#[tokio::test]
async fn a_person_can_list_search_create_and_edit_through_forms() {
    let server = Server::start(&data_dir(), &[]);
    let (_, app) = instance(&server).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let list = http.get(&app).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("Printer on floor 3 is jammed") && list.contains("7 tickets"));
    let search = http.get(format!("{app}?q=vpn")).send().await.unwrap().text().await.unwrap();
    assert!(search.contains("VPN drops every hour") && search.contains("1 tickets"));

    let created = http
        .post(format!("{app}tickets"))
        .form(&[
            ("subject", "Invoice copy needed"),
            ("customer", "Acme Corp"),
            ("priority", "high"),
            ("body", "<script>x</script>"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 303);
    let location = created.headers()["location"].to_str().unwrap().to_string();
    assert!(location.ends_with("/tickets/8"), "{location}");
    let page = http.get(format!("{}{location}", server.base)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Invoice copy needed") && page.contains("&lt;script&gt;"), "text is escaped");

    let edit = http
        .post(format!("{app}tickets/2"))
        .form(&[
            ("status", "closed"),
            ("priority", "low"),
            ("assignee", "maria"),
            ("subject", "Printer on floor 3 is jammed"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(edit.status(), 303);
    let bad = http.post(format!("{app}tickets/2")).form(&[("status", "exploded")]).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("status must be one of"));
    let ticket: Value = http.get(format!("{app}api/tickets/2")).send().await.unwrap().json().await.unwrap();
    assert_eq!((ticket["status"].as_str(), ticket["assignee"].as_str()), (Some("closed"), Some("maria")));
}

#[tokio::test]
async fn the_json_api_and_mcp_share_the_database() {
    let server = Server::start(&data_dir(), &[]);
    let (id, app) = instance(&server).await;
    let http = reqwest::Client::new();
    let made: Value = http
        .post(format!("{app}api/tickets"))
        .json(&json!({ "subject": "Broken chair", "customer": "Globex", "priority": "urgent" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(made["customer"], "Globex");
    let r = http
        .post(format!("{app}api/tickets"))
        .json(&json!({ "subject": "x", "customer": "Nobody" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("no customer"));

    let mcp = format!("{}/i/{id}/mcp", server.base);
    let tools: Value = http
        .post(&mcp)
        .json(&json!({ "jsonrpc": "2.0", "method": "tools/list", "params": {}, "id": 2 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> =
        tools["result"]["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"update_ticket") && names.contains(&"list_tickets"));
    assert!(tools["result"]["tools"][0]["inputSchema"].is_object());
    let call = |name: &str, args: Value| {
        http.post(&mcp).json(&json!({ "jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": { "name": name, "arguments": args } })).send()
    };
    let found: Value = call("list_tickets", json!({ "query": "chair" })).await.unwrap().json().await.unwrap();
    assert!(found["result"]["content"][0]["text"].as_str().unwrap().contains("Broken chair"));
    let updated: Value =
        call("update_ticket", json!({ "id": made["id"], "status": "resolved" })).await.unwrap().json().await.unwrap();
    assert_eq!(updated["result"]["isError"], false);
    let failed: Value = call("update_ticket", json!({ "id": 999 })).await.unwrap().json().await.unwrap();
    assert_eq!(failed["result"]["isError"], true);
    let via_api: Value =
        http.get(format!("{app}api/tickets/{}", made["id"])).send().await.unwrap().json().await.unwrap();
    assert_eq!(via_api["status"], "resolved");
}
