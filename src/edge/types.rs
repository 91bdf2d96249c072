//! TypeScript declarations for the plain-data objects the exports take and return. They are
//! declared here, once, next to the Rust models they describe, and land in the generated `.d.ts`.
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Options for `new Fleet(options)`. */
export interface FleetOptions {
  /** Your Fleet API key. In Node, defaults to `process.env.FLEET_API_KEY`. */
  apiKey?: string;
  /** Control-plane URL. In Node, defaults to `FLEET_BASE_URL`, else `https://orchestrator.fleetai.com`. */
  baseUrl?: string;
  /** A `fetch` implementation to use instead of the global one (for proxies, logging, tests). */
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
}

/** Filters for `loadTasks`. */
export interface LoadTasksOptions {
  /** Only these task keys. */
  keys?: string[];
  projectKey?: string;
  taskProjectKey?: string;
  /** Only tasks of this environment. */
  envKey?: string;
  /** Admin only: another team's tasks. */
  teamId?: string;
  dataId?: string;
  dataVersion?: string;
  /** Applied locally: only tasks of this environment version. */
  version?: string;
}

/** The team behind an API key and its instance usage. */
export interface Account {
  teamId: string;
  teamName: string;
  instanceLimit: number;
  instanceCount: number;
  profileId: string | null;
  profileName: string | null;
}

/** A JSON value, as tasks carry in `metadata` and `envVariables`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The verifier stored with a task. */
export interface VerifierRecord {
  verifierId: string;
  key: string;
  version: number;
  sha256: string;
  /** Python source, e.g. `def verify(env, final_answer=None): ...`. */
  code: string;
  comment: string | null;
  createdAt: string;
}

/** A task: a prompt, the environment it runs in, and the verifier that scores it. */
export interface Task {
  key: string;
  prompt: string;
  teamId: string;
  envId: string;
  /** What to pass to `make`: `envId` or `envId:version`. */
  envKey: string;
  version: string | null;
  /** `dataId:dataVersion`, `dataId`, or null. */
  dataKey: string | null;
  dataId: string | null;
  dataVersion: string | null;
  envVariables: { [name: string]: JsonValue };
  metadata: JsonValue | null;
  verifier: VerifierRecord | null;
  verifierId: string | null;
  verifierFunc: string | null;
  outputJsonSchema: JsonValue | null;
  createdAt: string;
}
"#;
