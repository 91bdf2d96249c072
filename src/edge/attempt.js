// One attempt of a request, in one call from the wasm: the per-attempt timeout, the caller's
// AbortSignal, fetch, the body as text, and JSON.parse. Every decision (which request, how long
// to wait, whether to retry, what an answer means) stays in the Rust core; this only does the
// I/O, because each crossing of the wasm boundary costs (see bench/results.md).
//
// Resolves to [status, retryAfter, body, isJson]; rejects with [kind, message], where kind is
// 'aborted' (the caller's signal), 'timeout' (ours) or 'network' (anything else). The timeout
// also wins over a fetch that ignores its signal (an injected fetch may).
/** Deeper JSON is refused both ways (as flotilla-server does): decoding it could exhaust the
 * wasm stack. */
const MAX_DEPTH = 128;
/** The largest answer read. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/** Whether `value` (plain JSON data, no cycles) nests deeper than `max`; iterative. */
export function tooDeep(value, max) {
  const stack = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (depth >= max) return true;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (let i = 0; i < children.length; i += 1) stack.push([children[i], depth + 1]);
  }
  return false;
}

/** The body as text, refused past MAX_ANSWER_BYTES (by its Content-Length, or as it streams). */
async function readCapped(response, controller) {
  const headers = response.headers;
  const declared = headers && typeof headers.get === 'function' ? headers.get('content-length') : null;
  if (declared !== null && Number(declared) > MAX_ANSWER_BYTES) {
    controller.abort();
    throw new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
  }
  const body = response.body;
  if (declared !== null || !body || typeof body.getReader !== 'function') return response.text();
  const reader = body.getReader();
  const parts = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      controller.abort();
      throw new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
    }
    parts.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.byteLength;
  }
  return new TextDecoder().decode(all);
}

export function attempt(fetchFn, url, method, headerLines, body, timeoutMs, signal) {
  const headers = {};
  const lines = headerLines.split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) headers[lines[i]] = lines[i + 1];
  const controller = new AbortController();
  let timedOut = false;
  let expire;
  const expired = new Promise((_, reject) => { expire = reject; });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
    expire(new Error('timed out'));
  }, timeoutMs);
  const onAbort = () => controller.abort();
  if (signal) signal.addEventListener('abort', onAbort);
  const done = () => {
    clearTimeout(timer);
    if (signal) signal.removeEventListener('abort', onAbort);
  };
  const init = { method, headers, signal: controller.signal };
  if (body !== undefined) init.body = body;
  const failed = (error) => {
    done();
    const kind = signal && signal.aborted ? 'aborted' : timedOut ? 'timeout' : 'network';
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
  const answered = sent
    .then((r) => {
      response = r;
      return readCapped(r, controller);
    })
    .then((text) => {
      const headers = response.headers;
      const retryAfter = headers && typeof headers.get === 'function' ? headers.get('retry-after') : null;
      let parsed;
      try {
        parsed = JSON.parse(text);
      } catch {
        return [response.status, retryAfter, String(text), false];
      }
      if (tooDeep(parsed, MAX_DEPTH)) {
        return [response.status, retryAfter, `the answer is nested deeper than ${MAX_DEPTH} levels`, false];
      }
      return [response.status, retryAfter, parsed, true];
    });
  return Promise.race([answered, expired]).then((result) => {
    done();
    return result;
  }, failed);
}
