// Live updates for every page: one `fleet.events()` stream (flotilla-server's Server-Sent Events)
// fanned out to subscribers. The Fleet service has no event stream: there the pages are told to
// refresh every 5 s instead (a `{ type: 'poll' }` event), and the header says so. The same
// happens if the stream fails for good.

const POLL_MS = 5000;
const CONNECT_GRACE_MS = 10_000;

/** Starts the stream; answers `{ subscribe(listener) -> unsubscribe }`. */
export function startLive(fleet, showError) {
  const listeners = new Set();
  const badge = document.getElementById('live');
  const status = (kind, text) => {
    badge.hidden = false;
    badge.className = `live ${kind}`;
    badge.textContent = text;
    badge.dataset.state = kind || 'live';
    badge.title = kind === 'polling' ? 'This server has no live event stream' : '';
  };
  const notify = (event) => {
    for (const listener of listeners) {
      try { listener(event); } catch (error) { console.error(error); }
    }
  };
  let polling = null;
  const poll = () => {
    status('polling', `refreshing every ${POLL_MS / 1000} s`);
    polling ??= setInterval(() => notify({ type: 'poll' }), POLL_MS);
  };
  const opened = () => {
    clearInterval(polling);
    polling = null;
    status('', 'live');
  };
  // Not connected after a while (the team's streams are all taken, the server is away): poll
  // meanwhile; the stream keeps trying, and takes over when it connects.
  setTimeout(() => { if (badge.dataset.state === 'connecting') poll(); }, CONNECT_GRACE_MS);
  (async () => {
    status('connecting', 'connecting…');
    try {
      // `onOpen` on every (re)connection: from then on no change is missed.
      for await (const event of fleet.events({ onOpen: opened })) notify(event);
    } catch (error) {
      // No event stream here (the Fleet service), or it failed for good: refresh on a timer.
      if (error?.name === 'AuthenticationError') return showError(error);
      if (error?.name !== 'NotFoundError') console.warn('flotilla: live events stopped:', error);
      poll();
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
