// The playground and dashboard, on the SDK's web build. The page never holds an API key: the
// sign-in form trades it for a short-lived session token (kept in sessionStorage).
//
// Pages are addressed by the URL's hash, so a link carries what it shows:
//   #playground · #instances · #jobs · #job/<job id> · #job/<job id>/session/<session id>
//   #compare/<baseline job id>/<candidate job id>
import { init, Fleet } from '/sdk/js/web.mjs';
import { describeError } from './messages.js';
import { startPlayground } from './playground.js';
import { startDashboard } from './dashboard.js';
import { startJobs } from './jobs.js';
import { startJob } from './job.js';
import { startCompare } from './compare.js';
import { startLive } from './live.js';
import { $ } from './dom.js';
const TOKEN = 'flotilla.session';
const PAGES = ['playground', 'instances', 'jobs', 'job', 'compare'];

export function showError(error) {
  const toast = $('toast');
  toast.textContent = describeError(error);
  toast.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { toast.hidden = true; }, 8000);
  // A session the server no longer accepts ends here; a wrong key at sign-in just says so.
  if (error?.name === 'AuthenticationError' && sessionStorage.getItem(TOKEN)) signOut();
}

function signOut() {
  const token = sessionStorage.getItem(TOKEN);
  sessionStorage.removeItem(TOKEN);
  if (token) fetch('/v1/session', { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } }).catch(() => {});
  location.reload();
}

async function signIn(event) {
  event.preventDefault();
  const input = $('api-key');
  const response = await fetch('/v1/session', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ api_key: input.value }),
  });
  input.value = '';
  const body = await response.json();
  if (!response.ok) return showError({ name: 'AuthenticationError', message: body.detail });
  sessionStorage.setItem(TOKEN, body.token);
  location.reload();
}

/**
 * `#job/a/session/b` -> ['job', ['a', 'session', 'b'], {}]; `#compare/a/b?confidence=0.9` ->
 * ['compare', ['a', 'b'], { confidence: '0.9' }]; anything unreadable -> the playground.
 */
function parseHash() {
  try {
    const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
    const [page, ...rest] = path.split('/').map(decodeURIComponent);
    const params = Object.fromEntries(new URLSearchParams(query));
    if (page === 'dashboard') return ['instances', [], {}];
    return PAGES.includes(page) ? [page, rest, params] : ['playground', [], {}];
  } catch {
    return ['playground', [], {}];
  }
}

async function main() {
  await init();
  const token = sessionStorage.getItem(TOKEN);
  if (!token) {
    $('sign-in').hidden = false;
    $('sign-in-form').addEventListener('submit', signIn);
    return;
  }
  const fleet = new Fleet({ apiKey: token, baseUrl: location.origin });
  try {
    const account = await fleet.account();
    $('team').textContent = account.teamName;
  } catch (error) {
    return showError(error);
  }
  $('sign-out').hidden = false;
  $('sign-out').addEventListener('click', signOut);
  const live = startLive(fleet, showError);
  const pages = {
    playground: { show() {}, hide() {} },
    instances: startDashboard(fleet, live, showError),
    jobs: startJobs(fleet, live, showError),
    job: startJob(fleet, live, showError),
    compare: startCompare(fleet, live, showError),
  };
  let current = null;
  const route = () => {
    const [page, args, params] = parseHash();
    if (current && current !== page) pages[current].hide();
    current = page;
    for (const name of PAGES) $(name).hidden = name !== page;
    const tab = page === 'job' ? 'jobs' : page;
    for (const link of document.querySelectorAll('.tab')) link.classList.toggle('active', link.dataset.tab === tab);
    Promise.resolve(pages[page].show(args, params)).catch(showError);
  };
  window.addEventListener('hashchange', route);
  route();
  startPlayground(fleet, live, showError, token);
}

main().catch(showError);
