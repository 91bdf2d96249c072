// One attempt of a request, in one call from the wasm: the per-attempt timeout, the caller's
// AbortSignal, fetch, the body as text, and JSON.parse. Every decision (which request, how long
// to wait, whether to retry, what an answer means) stays in the Rust core; this only does the
// I/O, because each crossing of the wasm boundary costs (see bench/results.md).
//
// Resolves to [status, retryAfter, body, isJson]; rejects with [kind, message], where kind is
// 'aborted' (the caller's signal), 'timeout' (ours) or 'network' (anything else).

// Timeouts without an AbortController per request (creating one is a measurable part of a
// call): requests whose deadlines fall in the same window share one controller, aborted at the
// window's end. A request is thus never cut before its own deadline, and at most 1% of its
// timeout (or 10 ms) after it; the controllers that fire only abort requests already past
// their deadline. With a caller's signal, the request gets a controller of its own.
let shared = null;

function sharedTimeout(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  const slack = Math.max(10, timeoutMs / 100);
  // Reuse the current window only if it ends after this deadline and not more than `slack` after.
  if (shared === null || shared.fired || shared.abortAt < deadline || shared.abortAt > deadline + slack) {
    const window = { controller: new AbortController(), abortAt: deadline + slack, fired: false };
    const timer = setTimeout(() => { window.fired = true; window.controller.abort(); }, window.abortAt - Date.now());
    // A pending window must not keep Node running: the requests it guards already do.
    if (timer && typeof timer.unref === 'function') timer.unref();
    shared = window;
  }
  const window = shared;
  return { signal: window.controller.signal, timedOut: () => window.fired, done: () => {} };
}

function ownTimeout(timeoutMs, signal) {
  const controller = new AbortController();
  let fired = false;
  const timer = setTimeout(() => { fired = true; controller.abort(); }, timeoutMs);
  const onAbort = () => controller.abort();
  signal.addEventListener('abort', onAbort);
  const done = () => {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  };
  return { signal: controller.signal, timedOut: () => fired, done };
}

export function attempt(fetchFn, url, method, headerLines, body, timeoutMs, signal) {
  const headers = {};
  const lines = headerLines.split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) headers[lines[i]] = lines[i + 1];
  const guard = signal ? ownTimeout(timeoutMs, signal) : sharedTimeout(timeoutMs);
  const init = { method, headers, signal: guard.signal };
  if (body !== undefined) init.body = body;
  const failed = (error) => {
    guard.done();
    const kind = signal && signal.aborted ? 'aborted' : guard.timedOut() ? 'timeout' : 'network';
    const code = error && error.cause && error.cause.code;
    const message = (error && error.message) || String(error);
    throw [kind, code ? `${message}: ${code}` : message];
  };
  let response;
  let sent;
  try {
    sent = Promise.resolve(fetchFn(url, init));
  } catch (error) {
    sent = Promise.reject(error);
  }
  return sent
    .then((r) => {
      response = r;
      return r.text();
    })
    .then((text) => {
      guard.done();
      const headers = response.headers;
      const retryAfter = headers && typeof headers.get === 'function' ? headers.get('retry-after') : null;
      try {
        return [response.status, retryAfter, JSON.parse(text), true];
      } catch {
        return [response.status, retryAfter, String(text), false];
      }
    }, failed);
}
