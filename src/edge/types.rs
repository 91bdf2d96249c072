//! TypeScript declarations for the plain-data objects the exports take and return. They are
//! declared here, once, next to the Rust that produces them, and land in the generated `.d.ts`.
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** A JSON value (task metadata, environment variables, verifier results). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Where log lines go; every method is optional. Lines never contain the API key. */
export interface Logger {
  debug?(message: string, fields: Record<string, unknown>): void;
  info?(message: string, fields: Record<string, unknown>): void;
  warn?(message: string, fields: Record<string, unknown>): void;
  error?(message: string, fields: Record<string, unknown>): void;
}

/** A `fetch` implementation (the global one by default). */
export type FetchLike = (input: string, init: { method: string; headers: unknown; body?: string; signal: AbortSignal }) => Promise<{
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
  /** Read by `fleet.events()` only (a streamed body). */
  readonly ok?: boolean;
  readonly body?: { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(): Promise<void> } } | null;
}>;

/** Options for `new Fleet(options)` and `configure(options)`. */
export interface FleetOptions {
  /** Your Fleet API key. In Node, defaults to `process.env.FLEET_API_KEY`. */
  apiKey?: string;
  /** Control-plane URL. In Node, defaults to `FLEET_BASE_URL`, else `https://orchestrator.fleetai.com`. */
  baseUrl?: string;
  /** Per-attempt timeout of a call, in ms (default 300000; creates default to 900000). */
  timeoutMs?: number;
  /** Retries of transient failures (408, 429, 5xx, network), 0-10 (default 3). */
  maxRetries?: number;
  /** A `fetch` to use instead of the global one (proxies, logging, tests). */
  fetch?: FetchLike;
  /** Headers added to every control-plane request. */
  headers?: Record<string, string>;
  logger?: Logger;
}

/** The optional last argument of every call. */
export interface CallOptions {
  /** Aborts the call (rejects with `AbortError`). */
  signal?: AbortSignal;
  /** Per-attempt timeout for this call, in ms (rejects with `TimeoutError`). */
  timeoutMs?: number;
}

/** Filters for `loadTasks`. */
export interface LoadTasksOptions {
  keys?: string[];
  projectKey?: string;
  taskProjectKey?: string;
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

/** Every field of a task (`task.toJSON()`). */
export interface TaskInfo {
  key: string;
  prompt: string;
  teamId: string;
  envId: string;
  envKey: string;
  version: string | null;
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

/** A task to import. */
export interface ImportTaskInput {
  key: string;
  prompt: string;
  envId: string;
  /** The verifier's Python source. */
  verifierFunc: string;
  envVariables?: { [name: string]: JsonValue };
  createdAt?: string;
  version?: string;
  dataId?: string;
  dataVersion?: string;
  verifierId?: string;
  verifierSha?: string;
  metadata?: JsonValue;
  outputJsonSchema?: JsonValue;
}

/** A task in a task pack: fleet-python's file format (`export_tasks` / `import_tasks`), snake_case. */
export interface TaskFileEntry {
  key: string;
  prompt: string;
  env_id: string;
  env_variables: { [name: string]: JsonValue };
  created_at: string | null;
  version: string | null;
  data_id: string | null;
  data_version: string | null;
  /** The verifier's Python source. */
  verifier_func: string | null;
  verifier_id: string | null;
  verifier_sha: string | null;
  metadata: JsonValue;
  output_json_schema: JsonValue;
}

/** A task as `importTasks` reads it: fleet-python's spellings (`key` or `id`, `env_id` or `env_key`, `verifier_func`, `verifier_code` or `verifier.code`); empty strings count as absent; other fields are ignored. */
export interface TaskFileInput {
  key?: string;
  id?: string;
  prompt?: string;
  env_id?: string;
  env_key?: string;
  env_variables?: { [name: string]: JsonValue };
  /** ISO-8601, or epoch seconds. */
  created_at?: string | number | null;
  version?: string;
  data_id?: string;
  data_version?: string;
  verifier_func?: string;
  verifier_code?: string;
  verifier?: { code?: string; verifier_id?: string; sha256?: string };
  verifier_id?: string;
  verifier_sha?: string;
  metadata?: { [field: string]: JsonValue };
  output_json_schema?: { [field: string]: JsonValue };
}

/** A project: the tasks a team imported under one `projectKey` (`listProjects`). */
export interface Project {
  projectKey: string;
  /** `tool_use` or `computer_use`. */
  taskModality: string | null;
  createdAt: string | null;
  /** How many tasks it holds (flotilla-server; null from a service that does not say). */
  taskCount: number | null;
}

/** Options of `fleet.heartbeat(id, options)`, besides `signal` and `timeoutMs`. */
export interface HeartbeatOptions {
  /** Sent as `{"region": ...}`. */
  region?: string;
}

/** One tool of an instance's MCP server (`env.mcp.listTools()`). */
export interface McpTool {
  name: string;
  description: string | null;
  /** The JSON Schema of its arguments. */
  inputSchema: JsonValue;
}

/** `env.mcp.openai()`: a hosted MCP tool of the OpenAI Responses API (`tools: [...]`). */
export interface OpenAiMcpTool {
  type: 'mcp';
  server_label: string;
  server_url: string;
  require_approval: 'never';
}

/** `env.mcp.anthropic()`: an MCP server of the Anthropic Messages API (`mcp_servers: [...]`). */
export interface AnthropicMcpServer {
  type: 'url';
  url: string;
  name: string;
}

/** Options of `importTask` and `importTasks`. */
export interface ImportTaskOptions {
  /** Files the task under a project. */
  projectKey?: string;
}

/** What `updateTask` may change. */
export interface UpdateTaskInput {
  prompt?: string;
  verifierCode?: string;
  metadata?: JsonValue;
}

/** An environment of the catalog. */
export interface Environment {
  envKey: string;
  name: string;
  description: string | null;
  defaultVersion: string | null;
  versions: { [version: string]: JsonValue };
}

/** Heartbeat behaviour of an `Env` handle. */
export interface InstanceOptions {
  /** Start the heartbeat loop when the instance has an interval (default true). */
  autoHeartbeat?: boolean;
  /** In Node, let the heartbeat timer keep the process running (default false). */
  keepProcessAlive?: boolean;
}

/** Options of `make`. */
export interface MakeOptions extends InstanceOptions {
  /** `name` or `name:version` (a version starting with a digit gets a `v`). */
  envKey: string;
  /** `data` or `data:version`. */
  dataKey?: string;
  envVariables?: { [name: string]: JsonValue };
  /** Seconds until the instance stops by itself (a positive integer). */
  ttlSeconds?: number;
  /** Groups instances (see `listRuns`, `closeAll`). */
  runId?: string;
  /** Seconds between heartbeats, 30-3600; three missed intervals stop the instance. */
  heartbeatInterval?: number;
  region?: string;
  imageType?: string;
  /** How long the server may wait for the instance to run (default: the call timeout minus 30 s);
   * above 3600 it is lowered to 3600, as fleet-python does. */
  maxWaitSeconds?: number;
}

/** Options of `task.makeEnv`: the env and its data come from the task. */
export type MakeEnvOptions = Omit<MakeOptions, 'envKey' | 'dataKey'>;

/** Options of `env.startHeartbeat`. */
export interface StartHeartbeatOptions {
  /** 1-3600 s (default: the instance's `heartbeatInterval`). */
  intervalSeconds?: number;
}

export type InstanceStatus = 'pending' | 'running' | 'stopped' | 'error';

/** Runner (instance manager) URLs. */
export interface ManagerUrls {
  api: string;
  docs: string;
  reset: string;
  diff: string;
  snapshot: string;
  executeVerifierFunction: string;
  executeVerifierFunctionWithUpload: string;
}

/** Where an instance can be reached. */
export interface InstanceUrls {
  root: string;
  app: string[];
  api: string | null;
  health: string | null;
  apiDocs: string | null;
  /** The MCP endpoint (`root + "mcp"`). */
  mcp: string | null;
  manager: ManagerUrls;
}

/** An instance as the server describes it. */
export interface InstanceInfo {
  instanceId: string;
  envKey: string;
  version: string;
  status: InstanceStatus;
  subdomain: string;
  createdAt: string;
  updatedAt: string;
  terminatedAt: string | null;
  teamId: string;
  region: string;
  envVariables: JsonValue | null;
  dataKey: string | null;
  dataVersion: string | null;
  urls: InstanceUrls | null;
  health: boolean | null;
  runId: string | null;
  profileId: string | null;
  heartbeatInterval: number | null;
  heartbeatRegion: string | null;
  /** flotilla-server only (null elsewhere): the TTL, the current deadline (epoch s), the last beat. */
  ttlSeconds: number | null;
  deadlineTimestamp: number | null;
  lastHeartbeat: string | null;
}

export interface ListInstancesOptions {
  runId?: string;
  profileId?: string;
  status?: InstanceStatus;
  region?: string;
}

/** `closeAll` needs a run or a profile (`"self"` for your own). */
export type CloseAllOptions = { runId: string; profileId?: string } | { runId?: string; profileId: string };

export interface ListRunsOptions {
  status?: 'active' | 'inactive' | 'all';
  profileId?: string;
}

/** Instances grouped by `runId`. */
export interface Run {
  runId: string;
  runningCount: number;
  totalCount: number;
  firstCreatedAt: string;
  lastCreatedAt: string;
  profileId: string | null;
}

/** The server's answer to a heartbeat. */
export interface HeartbeatInfo {
  success: boolean;
  instanceId: string;
  lastHeartbeat: string | null;
  /** When the instance stops without another beat (epoch seconds). */
  deadlineTimestamp: number | null;
  intervalSeconds: number | null;
}

/** A failed or final beat, as passed to `error` and `expired` listeners (a FleetError). */
export type HeartbeatFailure = Error & { code: string; status: number | null; requestId: string | null; retryable: boolean };

/** What heartbeat listeners receive: the server's answer (`beat`) or the error (`error`, `expired`). */
export type HeartbeatEvent = HeartbeatInfo | HeartbeatFailure;

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

export interface Resource {
  name: string;
  type: 'sqlite' | 'cdp' | 'api';
  mode: 'ro' | 'rw';
  label: string | null;
}

export type SqlValue = string | number | boolean | null;

export interface QueryResult {
  success: boolean;
  message: string;
  columns: string[] | null;
  rows: JsonValue[][] | null;
  rowsAffected: number | null;
  lastInsertId: number | null;
  error: string | null;
}

/** A column of a described table (`notNull`, `primaryKey` as SQLite reports them). */
export interface DescribedColumn {
  name: string;
  type: string | null;
  notNull: JsonValue;
  defaultValue: JsonValue;
  primaryKey: JsonValue;
}

/** A table of a described database. */
export interface DescribedTable {
  name: string;
  sql: string | null;
  columns: DescribedColumn[] | null;
}

export interface DescribeResult {
  success: boolean;
  resourceName: string;
  message: string;
  tables: DescribedTable[] | null;
  error: string | null;
}

/** Options of `env.reset()`: sent as `{"timestamp": ..., "seed": ...}` (null when not given), for apps that honour them. */
export interface ResetOptions {
  /** Integer: the seed of the app's randomness. */
  seed?: number;
  /** Integer: the clock the app should start from (epoch seconds). */
  timestamp?: number;
}

/** `env.reset()`. */
export interface ResetResult {
  success: boolean;
  message: string;
}

/** `env.health()`: the instance runner's health. */
export interface HealthResult {
  status: string;
  timestamp: string;
  service: string;
}

/** Seed vs current, per table (§8.6). */
export interface StructuredDiff {
  success: boolean;
  message: string;
  diff: { [table: string]: {
    table_name: string;
    primary_key: string[];
    added_rows: { row_id: JsonValue; data: { [column: string]: JsonValue } }[];
    removed_rows: { row_id: JsonValue; data: { [column: string]: JsonValue } }[];
    modified_rows: { row_id: JsonValue; changes: { [column: string]: { before: JsonValue; after: JsonValue } }; data: { [column: string]: JsonValue } }[];
    unchanged_count: number;
    total_changes: number;
  } };
}

export interface VerifyOptions {
  /** The agent's answer, passed as the verifier's `final_answer` keyword. */
  finalAnswer?: JsonValue;
  /** More positional arguments after `env`. */
  args?: JsonValue[];
  /** How long the verifier may run on the server, 1-600 s (default 30). */
  timeoutSeconds?: number;
}

/** What the server says about a verifier run. */
export interface VerificationResult {
  success: boolean;
  executionTimeMs: number;
  /** The verifier's return value. */
  result: JsonValue;
  error: { type: string; message: string; traceback: string } | null;
  stdout: string | null;
  key: string | null;
  version: number | null;
  displaySrc: string | null;
  createdAt: string | null;
  comment: string | null;
  verifierId: string | null;
  executionId: string | null;
  bundleCacheHit: boolean | null;
}

/** A session's status. */
export type SessionStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

/** What `fleet.session(options)` takes; all optional. */
export interface SessionOptions {
  /** The job the session belongs to (`await fleet.job(name)`). */
  jobId?: string;
  model?: string;
  taskKey?: string;
  instanceId?: string;
  /** The agent's configuration, recorded with the first log. */
  config?: JsonValue;
  /** Resume an existing session instead of starting one on the first log. */
  sessionId?: string;
}

/** Options of `session.complete()` and `session.fail()`. */
export interface EndSessionOptions {
  /** The `executionId` of the verification that scored the session. */
  verifierExecutionId?: string;
}

/** The server's answer to a session write. */
export interface SessionIngestResult {
  success: boolean;
  sessionId: string;
  messageCount: number;
  createdNewSession: boolean;
}

/** A message of a session: a role and, as the model API gives them, content and tool calls. */
export interface SessionMessage {
  role: string;
  content?: JsonValue;
  thinking?: string;
  toolCalls?: JsonValue[];
  toolCallId?: string;
  timestamp?: string;
  tokens?: number;
  metadata?: JsonValue;
}

/** Options of `fleet.createSession`. */
export interface CreateSessionOptions {
  model?: string;
  taskKey?: string;
  jobId?: string;
  instanceId?: string;
  metadata?: JsonValue;
  startedAt?: string;
  /** Default: `{ role: 'system', content: '[session created]' }`. */
  initialMessage?: SessionMessage;
}

/** Options of `fleet.appendMessage`. */
export interface AppendMessageOptions {
  status?: SessionStatus;
  endedAt?: string;
}

/** Options of `fleet.completeSession`. */
export interface CompleteSessionOptions {
  /** Default `completed`. */
  status?: SessionStatus;
  /** Default: now. */
  endedAt?: string;
  /** Default: `{ role: 'system', content: '[session <status>]' }`. */
  finalMessage?: SessionMessage;
}

/** A job: a named group of sessions (one evaluation run). */
export interface JobInfo {
  id: string;
  name: string | null;
  createdAt: string | null;
  status: string | null;
}

/** What Fleet answers to `createJob` (a hosted run; flotilla-server refuses those). */
export interface CreatedJob {
  jobId: string;
  workflowJobId: string | null;
  status: string;
  name: string | null;
}

/** A hosted job on Fleet's side: the models run there. */
export interface CreateJobOptions {
  name?: string;
  models: string[];
  passK?: number;
  envKey?: string;
  projectKey?: string;
  taskKeys?: string[];
  excludedTaskKeys?: string[];
  maxSteps?: number;
  maxDurationMinutes?: number;
  maxConcurrentPerModel?: number;
  mode?: 'tool-use' | 'computer-use';
  systemPrompt?: string;
  modelPrompts?: { [model: string]: JsonValue };
  harness?: string;
}

/** How a session's verification ended. */
export interface VerifierExecution {
  success: boolean;
  score: number | null;
  stdout: string | null;
  executionTimeMs: number;
  result: JsonValue | null;
  /** Why a failed run failed (`{ type, message, traceback }`); flotilla-server only, else null. */
  error: JsonValue | null;
}

/** The task of a session. */
export interface SessionTask {
  key: string;
  prompt: string;
  envId: string;
  envVariables: { [name: string]: JsonValue } | null;
  createdAt: string | null;
  version: string | null;
  verifierFunc: string | null;
  verifierId: string | null;
  metadata: JsonValue | null;
}

/** The instance of a session (no URLs). */
export interface SessionInstance {
  instanceId: string;
  envKey: string;
  version: string;
  status: InstanceStatus;
  subdomain: string;
  createdAt: string;
  updatedAt: string;
  terminatedAt: string | null;
  teamId: string;
  region: string;
  envVariables: JsonValue | null;
  runId: string | null;
}

/** One session of a job. */
export interface SessionInfo {
  sessionId: string;
  instance: SessionInstance | null;
  model: string;
  status: SessionStatus;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** Assistant messages in the transcript. */
  stepCount: number;
  verifierExecution: VerifierExecution | null;
}

/** A job's sessions of one task and how they did. */
export interface TaskSessions {
  taskId: string | null;
  task: SessionTask | null;
  totalSessions: number;
  passedSessions: number;
  passRate: number;
  averageScore: number | null;
  sessions: SessionInfo[];
}

/** `listJobSessions`: every session of a job, grouped by task. */
export interface JobSessions {
  jobId: string;
  totalSessions: number;
  tasks: TaskSessions[];
}

/** One message of a transcript. */
export interface TranscriptMessage {
  role: string;
  content: JsonValue | null;
  toolCalls: JsonValue[] | null;
  toolCallId: string | null;
}

/** `getSessionTranscript`: the messages in order, with the task, instance and verification. */
export interface SessionTranscript {
  task: SessionTask | null;
  instance: SessionInstance | null;
  verifierExecution: VerifierExecution | null;
  transcript: TranscriptMessage[];
}

/** Options of `fleet.compare`. */
export interface CompareOptions {
  /** Of the interval, in (0, 1); default 0.95. */
  confidence?: number;
  /** Bootstrap resamples, 100-100000; default 10000. */
  resamples?: number;
  /** The largest pass-rate drop the gate lets through, 0-1; default 0. */
  maxDrop?: number;
}

/** One task both jobs ran. */
export interface TaskChange {
  taskKey: string;
  baselinePassRate: number;
  candidatePassRate: number;
  change: number;
  flipped: 'pass->fail' | 'fail->pass' | null;
}

/** `fleet.compare`: is the candidate better than the baseline? */
export interface Comparison {
  baselineJobId: string;
  candidateJobId: string;
  /** Tasks in both jobs, the largest drop first. */
  tasks: TaskChange[];
  onlyInBaseline: string[];
  onlyInCandidate: string[];
  /** Mean pass rates over the shared tasks, and the change. */
  baselinePassRate: number;
  candidatePassRate: number;
  change: number;
  /** The paired bootstrap interval of the change, at `confidence`. */
  intervalLow: number;
  intervalHigh: number;
  confidence: number;
  resamples: number;
  verdict: 'better' | 'worse' | 'inconclusive';
  maxDrop: number;
  /** The CI gate: not `worse`, and the pass rate did not drop by more than `maxDrop`. */
  gatePassed: boolean;
}

/** An agent: does the task in the env, logs its turns to the session, resolves to its final
 * answer (or undefined). It should stop when `signal` aborts (timeout or the caller's abort). */
export type Agent = (run: { task: Task; env: Env; session: Session; signal: AbortSignal }) => Promise<JsonValue | undefined> | JsonValue | undefined;

/** Options of `evaluate`. Tasks: `tasks`, else `taskKeys`, `envKey` or `projectKey`. */
export interface EvaluateOptions {
  agent: Agent;
  tasks?: (Task | TaskInfo)[];
  taskKeys?: string[];
  envKey?: string;
  projectKey?: string;
  /** Recorded as the sessions' model (default `agent`). */
  model?: string;
  jobName?: string;
  /** Records into this existing job (e.g. the playground's job of the day) instead of a new one. */
  jobId?: string;
  /** Attempts at once, 1-64 (default 4). */
  concurrency?: number;
  /** Attempts per task, 1-100 (default 1). */
  passK?: number;
  /** How long one agent run may take (default 600000 ms): then its signal aborts and it fails. */
  taskTimeoutMs?: number;
  /** Each env's heartbeat interval, 30-3600 s (default none): the SDK beats while the run lives, so
   * an env whose process (or tab) died is stopped by the server within three intervals. */
  heartbeatInterval?: number;
  /** Stops new attempts, aborts running agents, fails their sessions, closes every env. */
  signal?: AbortSignal;
  onProgress?: (progress: EvaluationProgress) => void;
  /** The client to use (the module function's default client otherwise). */
  fleet?: Fleet;
}

/** One attempt of one task. */
export interface EvaluationResult {
  taskKey: string;
  attempt: number;
  /** The verifier's score; null when the attempt failed before verification. */
  score: number | null;
  /** Scored 1. */
  passed: boolean;
  sessionId: string | null;
  instanceId: string | null;
  error: string | null;
  seconds: number;
}

/** What `evaluate` resolves to. */
export interface Evaluation {
  jobId: string;
  passRate: number;
  results: EvaluationResult[];
  /** Whether `signal` stopped the run (attempts never started are not in `results`). */
  aborted: boolean;
}

/** What `onProgress` receives after each attempt. */
export interface EvaluationProgress {
  jobId: string;
  done: number;
  total: number;
  passed: number;
  result: EvaluationResult;
}

export interface Env {
  /** Closes the instance: `await using env = await fleet.make(...)`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options of `fleet.events()`. */
export interface EventsOptions {
  /** Ends the stream: the `for await` loop ends quietly. */
  signal?: AbortSignal;
  /** Resume after this event id (`stream.lastEventId` of an earlier stream); default: from now. */
  lastEventId?: string;
  /** The limit on opening one connection, in ms (default: the client's `timeoutMs`). */
  timeoutMs?: number;
  /** Called each time a connection opens (first and after each reconnect): from then on,
   * every change reaches the stream. */
  onOpen?: () => void;
}

/** What a `FleetEvent` says happened. New kinds may come: ignore those you do not know. */
export type FleetEventType =
  | 'instance.created' | 'instance.running' | 'instance.stopped' | 'instance.heartbeat_missed'
  | 'job.created' | 'session.created' | 'session.updated' | 'session.completed' | 'verifier.executed'
  | (string & {});

/** One change on flotilla-server, for the team of the key. Fields that do not apply are null. */
export interface FleetEvent {
  /** The stream's id of this event: pass it as `lastEventId` to resume after it. */
  id: string;
  type: FleetEventType;
  createdAt: string;
  instanceId: string | null;
  envKey: string | null;
  runId: string | null;
  status: string | null;
  /** Why an instance stopped: `closed`, `ttl_expired`, `heartbeat_missed`, `shutdown`, `restart`, `failed`, `unhealthy`. */
  reason: string | null;
  jobId: string | null;
  sessionId: string | null;
  taskKey: string | null;
  messageCount: number | null;
  executionId: string | null;
  score: number | null;
  success: boolean | null;
}

export interface EventStream {
  [Symbol.asyncIterator](): AsyncIterator<FleetEvent, undefined>;
}
"#;
