// The agent worker for a user's own agent module (an ES module URL). The same runner as
// agent-worker.js; it exists as its own script because the server gives it a content policy that
// lets it import a module from another origin, which the other agents never need. The module runs
// with this tab's session token: it can do whatever the signed-in team can (the page says so).
import './agent-worker.js';
