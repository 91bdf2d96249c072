//! `POST /diff/structured`: seed vs current, table by table, in the TableDiff shape of §8.6.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rusqlite::Connection;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::sqlite::{self, Resource};
use crate::error::ApiResult;

#[derive(Debug, Default, Deserialize)]
pub struct IgnoreConfig {
    #[serde(default)]
    pub tables: Vec<String>,
    #[serde(default)]
    pub fields: Vec<String>,
    #[serde(default)]
    pub table_fields: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DiffRequest {
    #[serde(default)]
    pub ignore_config: Option<IgnoreConfig>,
}

type Rows = BTreeMap<String, Map<String, Value>>;

/// Rows keyed by primary key (or rowid when the table has none), and the key's columns.
fn keyed_rows(conn: &Connection, table: &str) -> ApiResult<(Vec<String>, Rows)> {
    let mut pk: Vec<(i64, String)> =
        sqlite::columns(conn, table)?.into_iter().filter(|c| c.pk > 0).map(|c| (c.pk, c.name)).collect();
    pk.sort();
    let pk: Vec<String> = pk.into_iter().map(|(_, n)| n).collect();
    let quoted = table.replace('"', "\"\"");
    let sql = if pk.is_empty() {
        format!("SELECT rowid AS __rowid__, * FROM \"{quoted}\"")
    } else {
        format!("SELECT * FROM \"{quoted}\"")
    };
    let mut stmt = conn.prepare(&sql)?;
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    let mut rows = Rows::new();
    let mut cursor = stmt.query([])?;
    while let Some(r) = cursor.next()? {
        let mut data = Map::new();
        for (i, n) in names.iter().enumerate() {
            data.insert(n.clone(), sqlite::to_json(r.get_ref(i)?));
        }
        let key_cols: Vec<&str> =
            if pk.is_empty() { vec!["__rowid__"] } else { pk.iter().map(String::as_str).collect() };
        let key = key_cols.iter().map(|c| value_text(&data[*c])).collect::<Vec<_>>().join("|");
        data.remove("__rowid__");
        rows.insert(key, data);
    }
    Ok((if pk.is_empty() { vec!["rowid".into()] } else { pk }, rows))
}

fn value_text(v: &Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
}

fn row_id(key: &str) -> Value {
    key.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(key.to_string()))
}

pub fn structured(dir: &Path, req: &DiffRequest) -> ApiResult<Value> {
    let seed = sqlite::open(dir, Resource::Seed)?;
    let current = sqlite::open(dir, Resource::Current)?;
    let ignore = req.ignore_config.as_ref();
    let names: BTreeSet<String> = sqlite::tables(&seed)?
        .into_iter()
        .chain(sqlite::tables(&current)?)
        .map(|(n, _)| n)
        .filter(|n| !ignore.is_some_and(|i| i.tables.contains(n)))
        .collect();
    let mut diff = Map::new();
    for table in names {
        let ignored: BTreeSet<&str> = ignore
            .map(|i| {
                i.fields.iter().chain(i.table_fields.get(&table).into_iter().flatten()).map(String::as_str).collect()
            })
            .unwrap_or_default();
        let (pk, before) = keyed_rows(&seed, &table).unwrap_or_default();
        let (pk_after, after) = keyed_rows(&current, &table).unwrap_or_default();
        let primary_key = if pk.is_empty() { pk_after } else { pk };
        let (mut added, mut removed, mut modified, mut unchanged) = (vec![], vec![], vec![], 0);
        for (key, data) in &after {
            match before.get(key) {
                None => added.push(json!({ "row_id": row_id(key), "data": data })),
                Some(old) => {
                    let changes: Map<String, Value> = data
                        .iter()
                        .filter(|(col, v)| !ignored.contains(col.as_str()) && old.get(*col) != Some(v))
                        .map(|(col, v)| (col.clone(), json!({ "before": old.get(col), "after": v })))
                        .collect();
                    if changes.is_empty() {
                        unchanged += 1;
                    } else {
                        modified.push(json!({ "row_id": row_id(key), "changes": changes, "data": data }));
                    }
                }
            }
        }
        for (key, data) in &before {
            if !after.contains_key(key) {
                removed.push(json!({ "row_id": row_id(key), "data": data }));
            }
        }
        let total = added.len() + removed.len() + modified.len();
        diff.insert(
            table.clone(),
            json!({
                "table_name": table, "primary_key": primary_key, "added_rows": added, "removed_rows": removed,
                "modified_rows": modified, "unchanged_count": unchanged, "total_changes": total,
            }),
        );
    }
    Ok(json!({ "success": true, "diff": diff, "message": "seed compared with current" }))
}
