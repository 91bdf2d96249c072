//! The exported `Fleet` client class.
use std::rc::Rc;

use js_sys::Function;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{errors, options, runtime, transport};
use crate::core::client::ClientConfig;
use crate::core::error::FleetError;
use crate::core::{account, tasks};

struct Inner {
    config: ClientConfig,
    fetch: Function,
}

/// A Fleet API client. Several clients with different keys can live in one process.
///
/// ```js
/// import { Fleet } from 'flotilla';
/// const fleet = new Fleet({ apiKey: process.env.FLEET_API_KEY, baseUrl: 'http://127.0.0.1:8700' });
/// const tasks = await fleet.loadTasks({ envKey: 'helpdesk' });
/// ```
#[wasm_bindgen]
pub struct Fleet {
    inner: Rc<Inner>,
}

fn to_js_value<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(|e| errors::to_js(FleetError::invalid_response(e.to_string())))?;
    js_sys::JSON::parse(&text)
}

impl Fleet {
    fn build(options: &JsValue) -> Result<Fleet, FleetError> {
        options::expect_object(options, "Fleet options")?;
        let api_key = options::string_field(options, "apiKey")?.or_else(|| runtime::node_env("FLEET_API_KEY"));
        let base_url = options::string_field(options, "baseUrl")?.or_else(|| runtime::node_env("FLEET_BASE_URL"));
        let config = ClientConfig::new(api_key, base_url)?;
        let fetch = match options::field(options, "fetch") {
            Some(f) => f
                .dyn_into::<Function>()
                .map_err(|_| FleetError::validation("`fetch` must be a function"))?,
            None => runtime::global_fetch().ok_or_else(|| {
                FleetError::validation("This runtime has no global `fetch`: pass one as `fetch` in the options")
            })?,
        };
        Ok(Fleet { inner: Rc::new(Inner { config, fetch }) })
    }

    fn fail(&self, error: FleetError) -> JsValue {
        errors::to_js(error.redact(self.inner.config.api_key()))
    }
}

#[wasm_bindgen]
impl Fleet {
    /// Creates a client. `apiKey` and `baseUrl` fall back to `FLEET_API_KEY` and `FLEET_BASE_URL`
    /// in Node only (a browser never reads its environment). Without a key this throws a
    /// `ValidationError` at once. `baseUrl` defaults to `https://orchestrator.fleetai.com`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "FleetOptions")] options: Option<js_sys::Object>,
    ) -> Result<Fleet, JsValue> {
        Fleet::build(&options.map(JsValue::from).unwrap_or(JsValue::UNDEFINED)).map_err(errors::to_js)
    }

    /// The control-plane base URL this client talks to (no trailing slash).
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.inner.config.base_url().to_string()
    }

    /// The team behind the API key, its instance limit and live instance count.
    #[wasm_bindgen(unchecked_return_type = "Account")]
    pub async fn account(&self) -> Result<JsValue, JsValue> {
        let ctx = runtime::new_call();
        let request = account::request(&self.inner.config, &ctx);
        let response = transport::send(&self.inner.fetch, &request).await.map_err(|e| self.fail(e))?;
        let account = account::parse(&response, &ctx.request_id).map_err(|e| self.fail(e))?;
        to_js_value(&account)
    }

    /// Loads tasks, filtered by `keys`, `projectKey`, `envKey`, `dataId`, `dataVersion` and
    /// (client-side) `version`. Resolves to an array of `Task`.
    #[wasm_bindgen(js_name = loadTasks, unchecked_return_type = "Task[]")]
    pub async fn load_tasks(
        &self,
        #[wasm_bindgen(unchecked_param_type = "LoadTasksOptions")] options: Option<js_sys::Object>,
    ) -> Result<JsValue, JsValue> {
        let options: tasks::LoadTasksOptions =
            options::parse(options.map(JsValue::from).unwrap_or(JsValue::UNDEFINED), "loadTasks options").map_err(|e| self.fail(e))?;
        let ctx = runtime::new_call();
        let request = tasks::load_request(&self.inner.config, &options, &ctx).map_err(|e| self.fail(e))?;
        let response = transport::send(&self.inner.fetch, &request).await.map_err(|e| self.fail(e))?;
        let list = tasks::parse_load(&response, &options, &ctx.request_id).map_err(|e| self.fail(e))?;
        to_js_value(&list)
    }
}
