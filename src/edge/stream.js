// A streaming GET for the event stream: open it (with a limit on getting the headers), read its
// bytes (with a limit on silence), close it. Decisions stay in the Rust core (src/core/events.rs).
//
// Failures reject with [kind, message], kind being 'aborted' (the caller's signal or close()),
// 'timeout' or 'network', as attempt.js does.
function failure(signal, timedOut, error) {
  const kind = signal.aborted && !timedOut ? 'aborted' : timedOut ? 'timeout' : 'network';
  const code = error && error.cause && error.cause.code;
  const message = (error && error.message) || String(error);
  return [kind, code ? `${message}: ${code}` : message];
}

/**
 * Resolves to [status, retryAfter, handle, body, isJson]: `handle` (to read from) when the answer
 * is a 2xx event stream, else `null` and the answer's body (parsed when it is JSON).
 */
export function openStream(fetchFn, url, headerLines, timeoutMs, signal) {
  const headers = {};
  const lines = headerLines.split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) headers[lines[i]] = lines[i + 1];
  const handle = { controller: new AbortController(), timedOut: false, signal };
  const onAbort = () => handle.controller.abort();
  signal.addEventListener('abort', onAbort);
  handle.unlink = () => signal.removeEventListener('abort', onAbort);
  if (signal.aborted) handle.controller.abort();
  const timer = setTimeout(() => { handle.timedOut = true; handle.controller.abort(); }, timeoutMs);
  let response;
  return Promise.resolve()
    .then(() => fetchFn(url, { method: 'GET', headers, signal: handle.controller.signal }))
    .then((r) => {
      response = r;
      clearTimeout(timer);
      const type = (r.headers && r.headers.get && r.headers.get('content-type')) || '';
      if (r.ok && r.body && type.startsWith('text/event-stream')) {
        handle.reader = r.body.getReader();
        return [r.status, null, handle, null, false];
      }
      return r.text().then((text) => {
        handle.unlink();
        const retryAfter = r.headers && r.headers.get ? r.headers.get('retry-after') : null;
        try {
          return [response.status, retryAfter, null, JSON.parse(text), true];
        } catch {
          return [response.status, retryAfter, null, String(text), false];
        }
      });
    })
    .catch((error) => {
      clearTimeout(timer);
      handle.unlink();
      throw failure(signal, handle.timedOut, error);
    });
}

/** The next bytes (a Uint8Array), or null at the end of the stream. */
export function readChunk(handle, idleMs) {
  handle.timedOut = false;
  const timer = setTimeout(() => { handle.timedOut = true; handle.controller.abort(); }, idleMs);
  return handle.reader.read().then(
    (result) => {
      clearTimeout(timer);
      return result.done ? null : result.value;
    },
    (error) => {
      clearTimeout(timer);
      throw failure(handle.signal, handle.timedOut, error);
    },
  );
}

/** Stops reading and frees the connection. */
export function closeStream(handle) {
  handle.unlink();
  handle.controller.abort();
  handle.reader.cancel().catch(() => {});
}

/** Keeps a rejection of `promise` from counting as unhandled (its awaiter still gets it). */
export function markHandled(promise) {
  promise.catch(() => {});
}
