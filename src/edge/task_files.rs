//! `Fleet` methods for task packs and projects (protocol §§6.3-6.4): `importTasks`,
//! `exportTasks`, `listProjects`.
use wasm_bindgen::prelude::*;

use super::client::{from_js, js_call, start, to_js};
use super::fleet::Fleet;
use super::task::Task;
use crate::core::projects::{self, ProjectList};
use crate::core::task_files;
use crate::core::tasks::{self, ImportTaskOptions, LoadTasksOptions, TaskList};

#[wasm_bindgen]
impl Fleet {
    /// Imports a task pack: an array of tasks in the file format of fleet-python's
    /// `export_tasks`/`import_tasks` (snake_case: `key`, `prompt`, `env_id`, `verifier_func`...),
    /// `{ tasks: [...] }`, or the JSON text of either. The whole pack is checked first (each
    /// task's fields, unique keys, every `env_id` in the catalog): a bad one is a
    /// `ValidationError` naming the task and the field, and nothing is imported. Tasks are then
    /// imported in order; an import replaces a task with the same key, so a pack can be imported
    /// again after a failure part-way (the error says how far it got).
    #[wasm_bindgen(js_name = importTasks, unchecked_return_type = "Promise<Task[]>")]
    pub fn import_tasks(
        &self,
        #[wasm_bindgen(unchecked_param_type = "TaskFileInput[] | { tasks: TaskFileInput[] } | string")] pack: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ImportTaskOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let options: ImportTaskOptions = match self.read(&options, "importTasks options") {
            Ok(o) => o,
            Err(rejected) => return rejected,
        };
        let client = self.client.clone();
        js_call!(client, {
            // Text is parsed by the JS engine (whose message says where), not by a parser compiled
            // into the wasm; then checked like any value (depth, cycles) on its way in.
            let pack = match pack.as_string() {
                Some(text) => js_sys::JSON::parse(&text).map_err(|e| {
                    let why = js_sys::Error::from(e).message().as_string().unwrap_or_default();
                    crate::core::error::FleetError::validation(format!("task file: not valid JSON: {why}"))
                })?,
                None => pack,
            };
            let pack = task_files::read_pack(from_js(&pack, "task file")?)?;
            let started = start(&client, &opts)?;
            let imported = task_files::import_pack(&started.call(), &pack, &options).await?;
            Ok(imported
                .into_iter()
                .map(|t| JsValue::from(Task::new(client.clone(), t)))
                .collect::<js_sys::Array>()
                .into())
        })
    }

    /// The tasks `loadTasks(filters)` gives, as a task pack: plain objects in fleet-python's file
    /// format, ready for `JSON.stringify(pack, null, 2)`; `importTasks` and fleet-python's
    /// `import_tasks` read it back.
    #[wasm_bindgen(js_name = exportTasks, unchecked_return_type = "Promise<TaskFileEntry[]>")]
    pub fn export_tasks(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "LoadTasksOptions")] filters: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let filters: LoadTasksOptions = match self.read(&filters, "exportTasks filters") {
            Ok(f) => f,
            Err(rejected) => return rejected,
        };
        let client = self.client.clone();
        js_call!(client, {
            let started = start(&client, &opts)?;
            let list: TaskList = started.call().fetch(|c, ctx| tasks::load_request(c, &filters, ctx)).await?;
            let entries: Vec<_> = tasks::finish_load(list, &filters).iter().map(task_files::file_entry).collect();
            to_js(&entries)
        })
    }

    /// The team's projects (`GET /v1/tasks/projects`, what `flt projects list` shows).
    #[wasm_bindgen(js_name = listProjects, unchecked_return_type = "Promise<Project[]>")]
    pub fn list_projects(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        self.then(opts, |c, ctx| Ok(projects::list_request(c, ctx)), |_, list: ProjectList| to_js(&list.projects))
    }
}
