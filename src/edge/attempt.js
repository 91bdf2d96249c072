// One attempt of a request, in one call from the wasm: the per-attempt timeout, the caller's
// AbortSignal, fetch, the body as text, and JSON.parse. Every decision (which request, how long
// to wait, whether to retry, what an answer means) stays in the Rust core; this only does the
// I/O, because each crossing of the wasm boundary costs (see bench/results.md).
//
// Resolves to [status, retryAfter, body, isJson]; rejects with [kind, message], where kind is
// 'aborted' (the caller's signal), 'timeout' (ours) or 'network' (anything else). The timeout
// also wins over a fetch that ignores its signal (an injected fetch may).
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
      return r.text();
    })
    .then((text) => {
      const headers = response.headers;
      const retryAfter = headers && typeof headers.get === 'function' ? headers.get('retry-after') : null;
      try {
        return [response.status, retryAfter, JSON.parse(text), true];
      } catch {
        return [response.status, retryAfter, String(text), false];
      }
    });
  return Promise.race([answered, expired]).then((result) => {
    done();
    return result;
  }, failed);
}
