//! `fleet.compare(baselineJobId, candidateJobId)`: both jobs' records, compared by the core
//! (`crate::core::compare`: per-task changes, flips, a paired bootstrap interval, a verdict).
use wasm_bindgen::prelude::*;

use super::client::{js_call, parse_options, start, string_arg, to_js};
use super::fleet::Fleet;
use crate::core::compare::{self, CompareOptions};
use crate::core::traces::{self, JobSessions};

#[wasm_bindgen]
impl Fleet {
    /// Compares a candidate job with a baseline job: per task both pass rates and the change,
    /// the tasks that flipped, tasks in one job only, and the overall change with a paired
    /// bootstrap interval over tasks (seeded: the same jobs give the same interval) and a verdict
    /// (`better`, `worse`, `inconclusive`), and whether a CI gate lets the candidate through
    /// (`gatePassed`). Options: `confidence` (default 0.95), `resamples` (default 10000),
    /// `maxDrop` (default 0).
    #[wasm_bindgen(unchecked_return_type = "Promise<Comparison>")]
    pub fn compare(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = baselineJobId)] baseline: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = candidateJobId)] candidate: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CompareOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let client = self.client.clone();
        js_call!(client, {
            let (baseline, candidate) =
                (string_arg(&baseline, "baseline job id")?, string_arg(&candidate, "candidate job id")?);
            let options: CompareOptions = parse_options(&options, "compare options")?;
            options.resolve()?; // a bad option is a ValidationError before anything is sent
            let started = start(&client, &opts)?;
            let call = started.call();
            let base: JobSessions = call.fetch(|c, ctx| traces::job_sessions_request(c, &baseline, ctx)).await?;
            let cand: JobSessions = call.fetch(|c, ctx| traces::job_sessions_request(c, &candidate, ctx)).await?;
            to_js(&compare::compare(&base, &cand, &options)?)
        })
    }
}
