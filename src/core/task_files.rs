//! Task packs as files (protocol §6.3): the JSON array fleet-python's `export_tasks` writes and
//! `import_tasks` reads (or `{"tasks": [...]}`, which its `load_tasks_from_file` also takes).
//! A pack is read whole and checked before anything is sent: a bad one names the task and the
//! field, and imports nothing.
use serde::Deserialize;
use serde_json::{Map, Value};

use super::call::Call;
use super::envs::{self, Environment};
use super::error::FleetError;
use super::io::Io;
use super::tasks::{self, ImportTaskInput, ImportTaskOptions, Task};

/// The most tasks one pack may hold (a flotilla-server team holds at most 10,000).
pub const MAX_TASKS_PER_PACK: usize = 10_000;

/// One task of a file (`TaskFileInput`), with every spelling fleet-python's loaders accept.
/// Fields it does not know (e.g. `verifier_runtime_version`) are ignored, as there; an empty
/// string counts as absent, as there.
#[derive(Debug, Default, Deserialize)]
pub struct FileTask {
    key: Option<String>,
    id: Option<String>,
    prompt: Option<String>,
    env_id: Option<String>,
    env_key: Option<String>,
    env_variables: Option<Map<String, Value>>,
    /// ISO-8601 text, or epoch seconds.
    created_at: Option<Value>,
    version: Option<String>,
    data_id: Option<String>,
    data_version: Option<String>,
    verifier_func: Option<String>,
    verifier_code: Option<String>,
    verifier: Option<FileVerifier>,
    verifier_id: Option<String>,
    verifier_sha: Option<String>,
    metadata: Option<Map<String, Value>>,
    output_json_schema: Option<Map<String, Value>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct FileVerifier {
    code: Option<String>,
    verifier_id: Option<String>,
    sha256: Option<String>,
}

/// A pack: an array, or an object holding one under `tasks`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Pack {
    Array(Vec<Value>),
    Wrapped { tasks: Vec<Value> },
}

fn bad(label: &str, why: impl std::fmt::Display) -> FleetError {
    FleetError::validation(format!("task file: {label}: {why}"))
}

/// Reads one item; a wrong type names its field (found by reading each field alone).
fn read_item(label: &str, item: &Value) -> Result<FileTask, FleetError> {
    let Value::Object(fields) = item else {
        return Err(bad(label, "must be an object"));
    };
    serde_json::from_value::<FileTask>(item.clone()).map_err(|whole| {
        let failing = fields.iter().find_map(|(name, value)| {
            let alone = Value::Object(Map::from_iter([(name.clone(), value.clone())]));
            serde_json::from_value::<FileTask>(alone).err().map(|e| bad(label, format!("`{name}`: {e}")))
        });
        failing.unwrap_or_else(|| bad(label, whole))
    })
}

/// An ISO-8601 date or date-time as fleet-python's models read it: `YYYY-MM-DD`, then optionally
/// `T` (or a space) `HH:MM[:SS[.fraction]]` and `Z` or `±HH:MM`.
fn is_iso_timestamp(text: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let pair = |s: &str| s.len() == 2 && digits(s);
    let (date, time) = match text.find(['T', ' ']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let date_ok = matches!((parts.next(), parts.next(), parts.next(), parts.next()),
        (Some(y), Some(m), Some(d), None) if y.len() == 4 && digits(y) && pair(m) && pair(d));
    let Some(time) = time else { return date_ok };
    let (clock, zone) = match time.find(['Z', '+', '-']) {
        Some(i) => (&time[..i], &time[i..]),
        None => (time, ""),
    };
    let zone_ok = zone.is_empty()
        || zone == "Z"
        || (zone.len() == 6 && pair(&zone[1..3]) && &zone[3..4] == ":" && pair(&zone[4..]));
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    let fields: Vec<&str> = hms.split(':').collect();
    date_ok && zone_ok && digits(fraction) && (2..=3).contains(&fields.len()) && fields.iter().all(|f| pair(f))
}

/// `created_at` as text: ISO-8601 kept as written, epoch seconds turned into ISO-8601 UTC, an
/// empty string or null as absent (fleet-python takes "now" for those).
fn created_at(label: &str, value: Option<Value>) -> Result<Option<String>, FleetError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) if is_iso_timestamp(s.trim()) => Ok(Some(s.trim().to_string())),
        Some(Value::Number(n)) if n.as_f64().is_some_and(|f| (0.0..1e11).contains(&f)) => {
            Ok(Some(super::session::iso_utc(n.as_f64().unwrap_or_default() * 1000.0)))
        }
        Some(other) => Err(bad(label, format!("`created_at`: {other} is not an ISO-8601 timestamp or epoch seconds"))),
    }
}

/// What flotilla-server refuses of a task (and Fleet's routes cannot serve): checked for the
/// whole pack before anything is sent.
const MAX_KEY_BYTES: usize = 200;
const MAX_TEXT_BYTES: usize = 256 * 1024;
const MAX_JSON_BYTES: usize = 64 * 1024;

fn check_limits(label: &str, task: &ImportTaskInput) -> Result<(), FleetError> {
    let key = &task.key;
    if key.len() > MAX_KEY_BYTES || key.chars().any(|c| c.is_control() || c == '/') {
        return Err(bad(label, format!("`key`: at most {MAX_KEY_BYTES} bytes, without `/` or control characters")));
    }
    if key == "projects" || key == "." || key == ".." {
        return Err(bad(label, format!("`key`: `{key}` is reserved (GET /v1/tasks/{key} means something else)")));
    }
    let names = [
        ("version", &task.version),
        ("data_id", &task.data_id),
        ("data_version", &task.data_version),
        ("verifier_id", &task.verifier_id),
    ];
    for (field, name) in names {
        if name.as_ref().is_some_and(|n| n.len() > MAX_KEY_BYTES) {
            return Err(bad(label, format!("`{field}` is longer than {MAX_KEY_BYTES} bytes")));
        }
    }
    let texts = [("prompt", Some(&task.prompt)), ("verifier_func", task.verifier_func.as_ref())];
    for (field, text) in texts {
        if text.is_some_and(|t| t.len() > MAX_TEXT_BYTES) {
            return Err(bad(label, format!("`{field}` is larger than {} KiB", MAX_TEXT_BYTES / 1024)));
        }
    }
    let env_variables = Value::Object(task.env_variables.clone());
    let values = [
        ("env_variables", Some(&env_variables)),
        ("metadata", task.metadata.as_ref()),
        ("output_json_schema", task.output_json_schema.as_ref()),
    ];
    for (field, value) in values {
        if value.is_some_and(|v| v.to_string().len() > MAX_JSON_BYTES) {
            return Err(bad(label, format!("`{field}` is larger than {} KiB as JSON", MAX_JSON_BYTES / 1024)));
        }
    }
    Ok(())
}

fn required(label: &str, value: Option<String>, names: &str) -> Result<String, FleetError> {
    value.filter(|v| !v.trim().is_empty()).ok_or_else(|| bad(label, format!("{names} is missing or empty")))
}

/// The first of `values` that is a non-empty string.
fn first_given(values: impl IntoIterator<Item = Option<String>>) -> Option<String> {
    values.into_iter().flatten().find(|v| !v.trim().is_empty())
}

/// Reads a task pack into import bodies, or names the first problem: which task (its number
/// and key) and which field. Keys must be unique within the pack.
pub fn read_pack(pack: Value) -> Result<Vec<ImportTaskInput>, FleetError> {
    let items = match serde_json::from_value::<Pack>(pack) {
        Ok(Pack::Array(items) | Pack::Wrapped { tasks: items }) => items,
        Err(_) => {
            return Err(FleetError::validation("task file: expected a JSON array of tasks (or {\"tasks\": [...]})"))
        }
    };
    if items.len() > MAX_TASKS_PER_PACK {
        return Err(FleetError::validation(format!(
            "task file: {} tasks; a pack holds at most {MAX_TASKS_PER_PACK}",
            items.len()
        )));
    }
    let mut seen = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let number = index + 1;
        let label = format!("task {number}");
        let t = read_item(&label, item)?;
        let key = required(&label, first_given([t.key, t.id]), "`key` (or `id`)")?;
        let label = format!("task {number} ({key})");
        if let Some(first) = seen.insert(key.clone(), number) {
            return Err(bad(&label, format!("the key is also task {first}'s")));
        }
        let prompt = required(&label, t.prompt, "`prompt`")?;
        let env_id = required(&label, first_given([t.env_id, t.env_key]), "`env_id` (or `env_key`)")?;
        let verifier = t.verifier.unwrap_or_default();
        let code = first_given([t.verifier_func, t.verifier_code, verifier.code]);
        let code = required(&label, code, "`verifier_func` (the verifier's code; every imported task needs one)")?;
        // fleet-python's loader: the item's, the verifier's, the metadata's, else the key.
        let from_metadata = t
            .metadata
            .as_ref()
            .and_then(|m| m.get("verifier"))
            .and_then(|v| v.get("verifier_id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let verifier_id = first_given([t.verifier_id, verifier.verifier_id, from_metadata, Some(key.clone())]);
        let task = ImportTaskInput {
            created_at: created_at(&label, t.created_at)?,
            key,
            prompt,
            env_id,
            env_variables: t.env_variables.unwrap_or_default(),
            version: first_given([t.version]),
            data_id: first_given([t.data_id]),
            data_version: first_given([t.data_version]),
            verifier_func: Some(code),
            verifier_id,
            verifier_sha: first_given([t.verifier_sha, verifier.sha256]),
            metadata: t.metadata.map(Value::Object),
            output_json_schema: t.output_json_schema.map(Value::Object),
        };
        check_limits(&label, &task)?;
        out.push(task);
    }
    Ok(out)
}

/// A loaded task as a file entry: `Task.model_dump()` without `verifier`, as `export_tasks`
/// writes it.
pub fn file_entry(task: &Task) -> ImportTaskInput {
    ImportTaskInput {
        key: task.key.clone(),
        prompt: task.prompt.clone(),
        env_id: task.env_id.clone(),
        env_variables: task.env_variables.clone(),
        created_at: Some(task.created_at.clone()),
        version: task.version.clone(),
        data_id: task.data_id.clone(),
        data_version: task.data_version.clone(),
        verifier_func: task.verifier_func.clone(),
        verifier_id: task.verifier_id.clone(),
        verifier_sha: task.verifier.as_ref().map(|v| v.sha256.clone()),
        metadata: task.metadata.clone(),
        output_json_schema: task.output_json_schema.clone(),
    }
}

/// Imports a pack read by [`read_pack`]: first checks that every task's environment is in the
/// catalog (nothing is imported otherwise), then imports the tasks one by one, in file order.
/// A failure part-way names the task and how many went in before it; importing the same file
/// again replaces those (an import is an upsert by key).
pub async fn import_pack<I: Io>(
    call: &Call<'_, I>,
    pack: &[ImportTaskInput],
    options: &ImportTaskOptions,
) -> Result<Vec<Task>, FleetError> {
    tasks::check_import_options(options)?;
    for (index, task) in pack.iter().enumerate() {
        tasks::check_import(task, options)
            .map_err(|e| bad(&format!("task {} ({})", index + 1, task.key), &e.message))?;
    }
    if pack.is_empty() {
        return Ok(Vec::new());
    }
    let catalog: Vec<Environment> = call.fetch(|c, ctx| Ok(envs::list_request(c, ctx))).await?;
    for (index, task) in pack.iter().enumerate() {
        if !catalog.iter().any(|e| e.env_key == task.env_id) {
            let known: Vec<&str> = catalog.iter().map(|e| e.env_key.as_str()).collect();
            return Err(bad(
                &format!("task {} ({})", index + 1, task.key),
                format!("`env_id`: no environment `{}` here (there are: {})", task.env_id, known.join(", ")),
            ));
        }
    }
    let mut imported = Vec::with_capacity(pack.len());
    for (index, task) in pack.iter().enumerate() {
        match call.fetch(|c, ctx| tasks::import_request(c, task, options, ctx)).await {
            Ok(t) => imported.push(Task::complete(t)),
            Err(mut e) => {
                e.message = format!(
                    "importTasks: task {} ({}) failed after {index} of {} were imported (importing the pack again \
                     replaces them): {}",
                    index + 1,
                    task.key,
                    pack.len(),
                    e.message
                );
                return Err(e);
            }
        }
    }
    Ok(imported)
}

#[cfg(test)]
#[path = "task_files_tests.rs"]
mod tests;
