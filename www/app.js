// The playground and dashboard, on the SDK's web build. The page never holds an API key: the
// sign-in form trades it for a short-lived session token (kept in sessionStorage).
import { init, Fleet } from '/sdk/js/web.mjs';
import { describeError } from './messages.js';
import { startPlayground } from './playground.js';
import { startDashboard } from './dashboard.js';

const $ = (id) => document.getElementById(id);
const TOKEN = 'flotilla.session';

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

function showTab(name) {
  for (const tab of document.querySelectorAll('.tab')) tab.classList.toggle('active', tab.dataset.tab === name);
  $('playground').hidden = name !== 'playground';
  $('dashboard').hidden = name !== 'dashboard';
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
  for (const tab of document.querySelectorAll('.tab')) tab.addEventListener('click', () => showTab(tab.dataset.tab));
  showTab(location.hash === '#dashboard' ? 'dashboard' : 'playground');
  startPlayground(fleet, showError);
  startDashboard(fleet, showError);
}

main().catch(showError);
