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

/// One task of a file, with every spelling fleet-python's loaders accept. Fields it does not
/// know (e.g. `verifier_runtime_version`) are ignored, as there.
#[derive(Debug, Default, Deserialize)]
struct FileTask {
    key: Option<String>,
    id: Option<String>,
    prompt: Option<String>,
    env_id: Option<String>,
    env_key: Option<String>,
    env_variables: Option<Map<String, Value>>,
    created_at: Option<String>,
    version: Option<String>,
    data_id: Option<String>,
    data_version: Option<String>,
    verifier_func: Option<String>,
    verifier_code: Option<String>,
    verifier: Option<FileVerifier>,
    verifier_id: Option<String>,
    verifier_sha: Option<String>,
    metadata: Option<Value>,
    output_json_schema: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
struct FileVerifier {
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

/// `YYYY-MM-DD` first, as every ISO-8601 timestamp (and Python's `str(datetime)`) starts.
fn looks_like_a_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 10
        && b[..10].iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
}

fn required(label: &str, value: Option<String>, names: &str) -> Result<String, FleetError> {
    value.filter(|v| !v.trim().is_empty()).ok_or_else(|| bad(label, format!("{names} is missing or empty")))
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
        let key = required(&label, t.key.or(t.id), "`key` (or `id`)")?;
        let label = format!("task {number} ({key})");
        if let Some(first) = seen.insert(key.clone(), number) {
            return Err(bad(&label, format!("the key is also task {first}'s")));
        }
        let prompt = required(&label, t.prompt, "`prompt`")?;
        let env_id = required(&label, t.env_id.or(t.env_key), "`env_id` (or `env_key`)")?;
        let verifier = t.verifier.unwrap_or_default();
        let code = t.verifier_func.or(t.verifier_code).or(verifier.code);
        let code = required(&label, code, "`verifier_func` (the verifier's code; every imported task needs one)")?;
        if let Some(created_at) = t.created_at.as_deref().filter(|c| !looks_like_a_date(c)) {
            return Err(bad(&label, format!("`created_at`: `{created_at}` is not an ISO-8601 timestamp")));
        }
        out.push(ImportTaskInput {
            key,
            prompt,
            env_id,
            env_variables: t.env_variables.unwrap_or_default(),
            created_at: t.created_at,
            version: t.version,
            data_id: t.data_id,
            data_version: t.data_version,
            verifier_func: Some(code),
            verifier_id: t.verifier_id.or(verifier.verifier_id),
            verifier_sha: t.verifier_sha.or(verifier.sha256),
            metadata: t.metadata,
            output_json_schema: t.output_json_schema,
        });
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
    for task in pack {
        tasks::check_import(task, options)?;
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
