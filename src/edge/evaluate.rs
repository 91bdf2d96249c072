//! `evaluate()`: the harness. For each task and attempt: make the env (run id = the job), open a
//! session, run the agent (`async ({ task, env, session, signal }) => finalAnswer`), verify,
//! complete or fail the session with the verifier execution, and close the env whatever happened.
//! A slow agent is cut at `taskTimeoutMs` (its signal aborts) and recorded as failed; the others
//! go on. The caller's `signal` stops new attempts, aborts the running agents, fails their
//! sessions and closes every env. Options and results are `crate::core::evaluate`'s.
use std::cell::RefCell;
use std::collections::VecDeque;
use std::pin::pin;
use std::rc::Rc;

use futures_util::future::{join_all, select, Either};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use super::client::{js_call, parse_options, start, to_js, Client};
use super::env::Env;
use super::fleet::Fleet;
use super::options::without;
use super::runtime::{now_ms, prop};
use super::task::Task;
use super::timers::{millis, SignalListener};
use super::traces::Session;
use crate::core::error::FleetError;
use crate::core::evaluate::{attempts, AttemptResult, EvaluateOptions, Evaluation, Plan, Progress};
use crate::core::instances::{self, AttachOptions, MakeOptions};
use crate::core::session::SessionOptions;
use crate::core::tasks::{self, LoadTasksOptions, TaskList, TaskRef};
use crate::core::verify::{self, Target, VerifyOptions};

/// What every attempt shares.
struct Run {
    client: Rc<Client>,
    agent: Function,
    plan: Plan,
    job_id: String,
    signal: Option<AbortSignal>,
    on_progress: Option<Function>,
    results: RefCell<Vec<AttemptResult>>,
    total: usize,
}

fn message_of(error: &JsValue) -> String {
    prop(error, "message").as_string().or_else(|| error.as_string()).unwrap_or_else(|| "the agent failed".into())
}

impl Run {
    fn aborted(&self) -> bool {
        self.signal.as_ref().is_some_and(AbortSignal::aborted)
    }

    /// One attempt, start to end; never fails (its error is in the result). Its session is
    /// recorded in the job whatever happens, failed when the env could not be made.
    async fn attempt(&self, task: &tasks::Task, attempt: u32) -> AttemptResult {
        let started = now_ms();
        let mut result = AttemptResult { task_key: task.key.clone(), attempt, ..AttemptResult::default() };
        let mut setup = SessionOptions {
            job_id: Some(self.job_id.clone()),
            model: Some(self.plan.model.clone()),
            task_key: Some(task.key.clone()),
            ..SessionOptions::default()
        };
        let options = MakeOptions {
            run_id: Some(self.job_id.clone()),
            heartbeat_interval: self.plan.heartbeat_interval,
            ..MakeOptions::default()
        };
        let made = match task.make_options(options) {
            Ok(options) => match start(&self.client, &JsValue::UNDEFINED) {
                Ok(call) => instances::make(&call.call(), &options).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        let env = match made {
            Ok(data) => Env::attach(self.client.clone(), data, AttachOptions::default()),
            Err(e) => {
                result.error = Some(format!("could not make the env: {}", e.message));
                let session = Session::new(self.client.clone(), setup);
                return self.end(result, &session, None, started).await;
            }
        };
        let inner = env.inner.clone();
        result.instance_id = Some(inner.instance_id());
        setup.instance_id = Some(inner.instance_id());
        let session = Session::new(self.client.clone(), setup);
        let outcome = if self.aborted() {
            Err("aborted: the run was stopped".to_string())
        } else {
            self.run_agent(task, env, session.share()).await
        };
        let region = inner.data.borrow().region.clone();
        let execution = match outcome {
            Ok(final_answer) => match self.verify(task, &inner.instance_id(), &region, final_answer).await {
                Ok(executed) => {
                    match verify::score_of(&executed) {
                        Ok(score) => result.scored(score),
                        Err(e) => result.error = Some(e.message.clone()),
                    }
                    Some(executed.execution_id.unwrap_or_default())
                }
                Err(e) => {
                    result.error = Some(format!("verification failed: {}", e.message));
                    None
                }
            },
            Err(why) => {
                result.error = Some(why);
                None
            }
        };
        // The agent may have closed the env itself: that is not the attempt's error.
        if let Err(e) = inner.close().await {
            if e.kind != crate::core::error::ErrorKind::NotFound && inner.data.borrow().status != "stopped" {
                result.error.get_or_insert(format!("could not close the env: {}", e.message));
            }
        }
        self.end(result, &session, execution, started).await
    }

    /// Completes (verified) or fails the attempt's session, and times the attempt.
    async fn end(
        &self,
        mut result: AttemptResult,
        session: &Session,
        execution: Option<String>,
        started: f64,
    ) -> AttemptResult {
        let status = if execution.is_some() { "completed" } else { "failed" };
        let execution = execution.filter(|id| !id.is_empty());
        if let Err(e) = session.finish(status, execution.as_deref(), &JsValue::UNDEFINED).await {
            result.error.get_or_insert(format!("could not record the session: {}", e.message));
        }
        result.session_id = session.id();
        result.seconds = (now_ms() - started) / 1000.0;
        result
    }

    /// Calls the agent and waits for it, its timeout or the caller's abort, whichever is first.
    async fn run_agent(
        &self,
        task: &tasks::Task,
        env: Env,
        session: Session,
    ) -> Result<Option<serde_json::Value>, String> {
        let controller = web_sys::AbortController::new().map_err(|e| message_of(&e))?;
        let _linked = self.signal.as_ref().map(|s| {
            let controller = controller.clone();
            SignalListener::new(s, move || controller.abort())
        });
        if self.aborted() {
            controller.abort(); // the caller's abort came before the listener
        }
        let args = Object::new();
        let _ = Reflect::set(&args, &"task".into(), &Task::new(self.client.clone(), task.clone()).into());
        let _ = Reflect::set(&args, &"env".into(), &env.into());
        let _ = Reflect::set(&args, &"session".into(), &session.into());
        let _ = Reflect::set(&args, &"signal".into(), &controller.signal());
        let called = match self.agent.call1(&JsValue::UNDEFINED, &args) {
            Ok(value) => Promise::resolve(&value),
            Err(thrown) => return Err(format!("the agent threw: {}", message_of(&thrown))),
        };
        let stopped = Promise::new(&mut |resolve: Function, _| {
            let _ = controller.signal().add_event_listener_with_callback("abort", &resolve);
        });
        let limit = pin!(TimeoutFuture::new(millis(self.plan.task_timeout_ms)));
        let (answered, aborted) = (pin!(JsFuture::from(called)), pin!(JsFuture::from(stopped)));
        let race = select(answered, aborted);
        let first = select(race, limit).await;
        if self.aborted() {
            // The caller stopped the run: an answer that came with the abort is not verified.
            return Err("aborted: the run was stopped".into());
        }
        match first {
            Either::Left((Either::Left((Ok(answer), _)), _)) => {
                let answer =
                    super::client::from_js(&answer, "the agent's final answer").map_err(|e| e.message.clone())?;
                Ok(Some(answer).filter(|a| !a.is_null()))
            }
            Either::Left((Either::Left((Err(thrown), _)), _)) => {
                Err(format!("the agent threw: {}", message_of(&thrown)))
            }
            Either::Left((Either::Right(_), _)) => Err("aborted: the run was stopped".into()),
            Either::Right(_) => {
                controller.abort();
                Err(format!("timed out after {} ms", self.plan.task_timeout_ms))
            }
        }
    }

    async fn verify(
        &self,
        task: &tasks::Task,
        instance_id: &str,
        region: &str,
        answer: Option<serde_json::Value>,
    ) -> Result<verify::ExecutionResult, FleetError> {
        let started = start(&self.client, &JsValue::UNDEFINED)?;
        let target = Target { instance_id: instance_id.to_string(), region: Some(region.to_string()) };
        let options = VerifyOptions { final_answer: answer, ..VerifyOptions::default() };
        verify::verify_detailed(&started.call(), &TaskRef::from(task), &target, &options).await
    }

    fn progress(&self, result: &AttemptResult) {
        let Some(on_progress) = &self.on_progress else { return };
        let results = self.results.borrow();
        let progress = Progress {
            job_id: self.job_id.clone(),
            done: results.len(),
            total: self.total,
            passed: results.iter().filter(|r| r.passed).count(),
            result: result.clone(),
        };
        if let Ok(value) = to_js(&progress) {
            let _ = on_progress.call1(&JsValue::UNDEFINED, &value);
        }
    }
}

/// The tasks to run: `tasks` (Task objects or task infos, by key), else `taskKeys`, `envKey`,
/// `projectKey`.
async fn load(client: &Rc<Client>, given: &JsValue, o: &EvaluateOptions) -> Result<Vec<tasks::Task>, FleetError> {
    let mut filters =
        LoadTasksOptions { env_key: o.env_key.clone(), project_key: o.project_key.clone(), ..Default::default() };
    filters.keys = match js_sys::Array::is_array(given) {
        true => {
            Some(js_sys::Array::from(given).iter().map(|t| Task::ref_of(&t).map(|r| r.key)).collect::<Result<_, _>>()?)
        }
        false => o.task_keys.clone(),
    };
    if filters.keys.as_ref().is_some_and(Vec::is_empty) {
        return Err(FleetError::validation("evaluate: the list of tasks is empty"));
    }
    if filters.keys.is_none() && filters.env_key.is_none() && filters.project_key.is_none() {
        return Err(FleetError::validation("evaluate: say which tasks: `tasks`, `taskKeys`, `envKey` or `projectKey`"));
    }
    let started = start(client, &JsValue::UNDEFINED)?;
    let list: TaskList = started.call().fetch(|c, ctx| tasks::load_request(c, &filters, ctx)).await?;
    let loaded = tasks::finish_load(list, &filters);
    if loaded.is_empty() {
        return Err(FleetError::validation("evaluate: no task matched"));
    }
    let missing: Vec<&String> =
        filters.keys.iter().flatten().filter(|k| !loaded.iter().any(|t| &t.key == *k)).collect();
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|k| k.as_str()).collect();
        return Err(FleetError::validation(format!("evaluate: no such task: {}", names.join(", "))));
    }
    Ok(loaded)
}

/// `evaluate` on `client`.
pub fn evaluate(client: Rc<Client>, options: JsValue) -> Promise {
    let errors = client.clone();
    js_call!(errors, {
        let agent: Function = prop(&options, "agent")
            .dyn_into()
            .map_err(|_| FleetError::validation("evaluate: `agent` must be a function"))?;
        let signal = match prop(&options, "signal") {
            s if s.is_undefined() || s.is_null() => None,
            s => Some(
                s.dyn_into::<AbortSignal>()
                    .map_err(|_| FleetError::validation("evaluate: `signal` must be an AbortSignal"))?,
            ),
        };
        let on_progress = match prop(&options, "onProgress") {
            f if f.is_undefined() || f.is_null() => None,
            f => Some(
                f.dyn_into::<Function>()
                    .map_err(|_| FleetError::validation("evaluate: `onProgress` must be a function"))?,
            ),
        };
        let json_part = without(&options, &["agent", "tasks", "signal", "onProgress", "fleet"]);
        let o: EvaluateOptions = parse_options(&json_part, "evaluate options")?;
        let plan = o.plan()?;
        let tasks = load(&client, &prop(&options, "tasks"), &o).await?;
        let started = start(&client, &JsValue::UNDEFINED)?;
        let job_id = match plan.job_id.clone() {
            // An existing job: it must be the caller's (a typo would file the runs nowhere).
            Some(id) => {
                let job: crate::core::traces::Job =
                    started.call().fetch(|c, ctx| crate::core::traces::jobs_request(c, Some(&id), None, ctx)).await?;
                job.id
            }
            None => {
                let name = plan.job_name.clone();
                let job: crate::core::traces::TraceJob =
                    started.call().fetch(|c, ctx| crate::core::traces::job_request(c, name.as_deref(), ctx)).await?;
                job.job_id
            }
        };
        let queue: RefCell<VecDeque<(usize, u32)>> = RefCell::new(attempts(tasks.len(), plan.pass_k).into());
        let run = Run {
            total: queue.borrow().len(),
            client: client.clone(),
            agent,
            job_id,
            signal,
            on_progress,
            results: RefCell::new(Vec::new()),
            plan,
        };
        let worker = || async {
            loop {
                if run.aborted() {
                    return;
                }
                let Some((task, attempt)) = queue.borrow_mut().pop_front() else { return };
                let result = run.attempt(&tasks[task], attempt).await;
                run.results.borrow_mut().push(result.clone());
                run.progress(&result);
            }
        };
        join_all((0..run.plan.concurrency.min(run.total)).map(|_| worker())).await;
        let aborted = run.aborted();
        to_js(&Evaluation::new(run.job_id.clone(), run.results.take(), aborted))
    })
}

#[wasm_bindgen]
impl Fleet {
    /// Runs an agent on tasks and records it as a job: see `evaluate` (the module function).
    #[wasm_bindgen(unchecked_return_type = "Promise<Evaluation>")]
    pub fn evaluate(&self, #[wasm_bindgen(unchecked_param_type = "EvaluateOptions")] options: JsValue) -> Promise {
        evaluate(self.client.clone(), options)
    }
}
