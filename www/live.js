// Live updates for every page: one `fleet.events()` stream (flotilla-server's Server-Sent Events)
// fanned out to subscribers. The Fleet service has no event stream: there the pages are told to
// refresh every 5 s instead (a `{ type: 'poll' }` event), and the header says so.

const POLL_MS = 5000;

/** Starts the stream; answers `{ subscribe(listener) -> unsubscribe }`. */
export function startLive(fleet, showError) {
  const listeners = new Set();
  const badge = document.getElementById('live');
  const status = (kind, text) => {
    badge.hidden = false;
    badge.className = `live ${kind}`;
    badge.textContent = text;
    badge.dataset.state = kind || 'live';
  };
  const notify = (event) => {
    for (const listener of listeners) {
      try { listener(event); } catch (error) { console.error(error); }
    }
  };
  (async () => {
    status('', 'live');
    try {
      for await (const event of fleet.events()) notify(event);
    } catch (error) {
      if (error?.name === 'NotFoundError') {
        status('polling', `refreshing every ${POLL_MS / 1000} s`);
        setInterval(() => notify({ type: 'poll' }), POLL_MS);
        return;
      }
      status('offline', 'offline');
      showError(error);
    }
  })();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** `fn` at most once per `ms`, trailing: a burst of events makes one refresh. */
export function debounce(fn, ms = 150) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}
