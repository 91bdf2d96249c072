// fleet.events() against a real flotilla-server: order, resume after the server restarts
// (Last-Event-ID), abort, another team's events never arriving, a bad option refused before
// anything is sent, and the Fleet service's answer (no such endpoint).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fleet, ValidationError, NotFoundError } from '../../js/node.mjs';
import { startServer } from '../support/server.mjs';

const team = (key, id) => ({ key, team_id: id, team_name: id, profile_id: `p_${id}`, profile_name: id, instance_limit: 10 });
const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-events-'));
let server;
let alice;
let bob;

before(async () => {
  server = await startServer({ dataDir, keys: [team('flt_alice', 'alice'), team('flt_bob', 'bob')] });
  alice = new Fleet({ apiKey: 'flt_alice', baseUrl: server.baseUrl });
  bob = new Fleet({ apiKey: 'flt_bob', baseUrl: server.baseUrl });
});
after(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Collects events until `until(events)` holds, with a safety deadline. */
async function collect(stream, until, ms = 20000) {
  const events = [];
  const deadline = setTimeout(() => stream.return(), ms);
  for await (const event of stream) {
    events.push(event);
    if (until(events)) break;
  }
  clearTimeout(deadline);
  return events;
}

/** A stream, and a promise of its first connection (from then on, no change is missed). */
function open(fleet, options = {}) {
  let connected;
  const opened = new Promise((resolve) => { connected = resolve; });
  const stream = fleet.events({ ...options, onOpen: () => connected() });
  return { stream, opened };
}

test('events arrive in order, per team: another team sees none of them', async () => {
  const { stream: mine, opened: mineOpen } = open(alice);
  const { stream: theirs, opened: theirsOpen } = open(bob);
  const theirsSeen = collect(theirs, (e) => e.some((x) => x.type === 'job.created'));
  await Promise.all([mineOpen, theirsOpen]);
  const env = await alice.make({ envKey: 'helpdesk' });
  const job = await alice.job('events test');
  const session = await alice.createSession({ jobId: job, taskKey: 'helpdesk-count-open', instanceId: env.instanceId });
  await alice.completeSession(session.sessionId);
  await env.close();
  const events = await collect(mine, (e) => e.some((x) => x.type === 'instance.stopped'));
  assert.deepEqual(events.map((e) => e.type),
    ['instance.created', 'instance.running', 'job.created', 'session.created', 'session.completed', 'instance.stopped']);
  const ids = events.map((e) => Number(e.id));
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'ids increase');
  assert.equal(events[0].instanceId, env.instanceId);
  assert.equal(events[0].envKey, 'helpdesk');
  assert.equal(events[4].sessionId, session.sessionId);
  assert.equal(events[4].jobId, job);
  assert.equal(events[4].status, 'completed');
  assert.equal(events[5].reason, 'closed');
  assert.equal(mine.lastEventId, events[5].id);
  // Bob's stream gets only Bob's job.
  const bobJob = await bob.job('bob only');
  const seen = await theirsSeen;
  assert.deepEqual(seen.map((e) => [e.type, e.jobId]), [['job.created', bobJob]]);
});

test('a stream resumes after the server restarts, missing nothing', async () => {
  let opens = 0;
  let reopened;
  const again = new Promise((resolve) => { reopened = resolve; });
  let first;
  const firstOpen = new Promise((resolve) => { first = resolve; });
  const stream = alice.events({ onOpen: () => { opens += 1; if (opens === 1) first(); else reopened(); } });
  const jobsSeen = (e) => e.filter((x) => x.type === 'job.created');
  let seenBefore;
  const sawBefore = new Promise((resolve) => { seenBefore = resolve; });
  const events = collect(stream, (e) => { if (e.length) seenBefore(); return jobsSeen(e).length === 3; }, 30000);
  await firstOpen;
  const before = await alice.job('before the restart');
  await sawBefore;
  // Restart on the same port and data directory while the stream is open.
  const port = Number(new URL(server.baseUrl).port);
  await server.stop();
  server = await startServer({ dataDir, port });
  // Made while no client was connected: the stream must replay these after its Last-Event-ID.
  const during = [await alice.job('after restart 1'), await alice.job('after restart 2')];
  assert.deepEqual(jobsSeen(await events).map((e) => e.jobId), [before, ...during]);
  await again;
  assert.equal(opens, 2, 'one reconnection');
});

test('an explicit lastEventId replays what came after it', async () => {
  const { stream, opened } = open(alice);
  const first = collect(stream, (e) => e.length === 1);
  await opened;
  await alice.job('anchor');
  const [anchor] = await first;
  const later = [await alice.job('later 1'), await alice.job('later 2')];
  const replay = await collect(alice.events({ lastEventId: anchor.id }), (e) => e.length === 2);
  assert.deepEqual(replay.map((e) => e.jobId), later);
  // Stopping after the first of two replayed events (both arrive in one read): the stream's
  // lastEventId is the event handed out, so the next stream starts with the second.
  const partial = alice.events({ lastEventId: anchor.id });
  const [one] = await collect(partial, (e) => e.length === 1);
  assert.equal(one.jobId, later[0]);
  assert.equal(partial.lastEventId, one.id);
  const [two] = await collect(alice.events({ lastEventId: partial.lastEventId }), (e) => e.length === 1);
  assert.equal(two.jobId, later[1]);
});

test('aborting ends the loop quietly', async () => {
  const controller = new AbortController();
  const { stream, opened } = open(alice, { signal: controller.signal });
  const loop = collect(stream, () => false);
  await opened;
  controller.abort();
  assert.deepEqual(await loop, []);
  // A pre-aborted signal: done at once, nothing sent.
  let sent = 0;
  const counting = new Fleet({ apiKey: 'flt_alice', baseUrl: server.baseUrl, fetch: (...a) => { sent++; return fetch(...a); } });
  const done = await counting.events({ signal: AbortSignal.abort() }).next();
  assert.equal(done.done, true);
  assert.equal(sent, 0);
});

test('a bad option is a ValidationError before anything is sent', () => {
  let sent = 0;
  const counting = new Fleet({ apiKey: 'flt_alice', baseUrl: server.baseUrl, fetch: (...a) => { sent++; return fetch(...a); } });
  assert.throws(() => counting.events({ lastEventID: '3' }), (e) => e instanceof ValidationError && /lastEventID/.test(e.message));
  assert.throws(() => counting.events({ lastEventId: 'a\nb' }), ValidationError);
  assert.throws(() => counting.events({ timeoutMs: -1 }), ValidationError);
  assert.throws(() => counting.events({ signal: 'stop' }), ValidationError);
  assert.throws(() => counting.events({ onOpen: 'yes' }), ValidationError);
  assert.equal(sent, 0);
});

test('a server without the stream (the Fleet service) ends it with a NotFoundError that says so', async () => {
  const noStream = new Fleet({
    apiKey: 'flt_alice', baseUrl: server.baseUrl,
    fetch: async () => new Response(JSON.stringify({ detail: 'Not Found' }), { status: 404, headers: { 'content-type': 'application/json' } }),
  });
  await assert.rejects(noStream.events().next(), (e) => e instanceof NotFoundError && /Fleet service has none/.test(e.message));
  const wrongKey = new Fleet({ apiKey: 'flt_nobody', baseUrl: server.baseUrl });
  await assert.rejects(wrongKey.events().next(), { name: 'AuthenticationError' });
});

test('the worst caller: garbage resume points are 400s with a detail, a 17th stream is a 429, none leak', async () => {
  const headers = { Authorization: 'Bearer flt_bob' };
  for (const id of ['x', '-1', '1e3', '99999999999999999999999', ' 1 2']) {
    const r = await fetch(`${server.baseUrl}/v1/flotilla/events`, { headers: { ...headers, 'Last-Event-ID': id } });
    assert.equal(r.status, 400, id);
    assert.match((await r.json()).detail, /Last-Event-ID/);
  }
  const r = await fetch(`${server.baseUrl}/v1/flotilla/events?after=abc`, { headers });
  assert.equal(r.status, 400);
  const controllers = Array.from({ length: 16 }, () => new AbortController());
  const open = await Promise.all(controllers.map((c) => fetch(`${server.baseUrl}/v1/flotilla/events`, { headers, signal: c.signal })));
  assert.deepEqual(open.map((o) => o.status), Array(16).fill(200));
  const extra = await fetch(`${server.baseUrl}/v1/flotilla/events`, { headers });
  assert.equal(extra.status, 429);
  assert.match((await extra.json()).detail, /16 event streams/);
  // Alice is not affected by Bob's streams.
  const alices = await fetch(`${server.baseUrl}/v1/flotilla/events`, { headers: { Authorization: 'Bearer flt_alice' } });
  assert.equal(alices.status, 200);
  await alices.body.cancel();
  for (const c of controllers) c.abort();
  // Closed streams free their places (the server notices the closed connection).
  let again;
  for (let i = 0; i < 50; i++) {
    again = await fetch(`${server.baseUrl}/v1/flotilla/events`, { headers });
    if (again.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(again.status, 200);
  await again.body.cancel();
});

test('missed heartbeats are announced, then the stop they caused', async () => {
  const own = await startServer({ keys: [team('flt_solo', 'solo')], args: ['--min-heartbeat-interval', '1'] });
  try {
    const solo = new Fleet({ apiKey: 'flt_solo', baseUrl: own.baseUrl });
    const { stream, opened } = open(solo);
    await opened;
    // The SDK refuses intervals under 30 s (as Fleet does); this server takes 1 s, for the test.
    const made = await fetch(`${own.baseUrl}/v1/env/instances`, {
      method: 'POST', headers: { Authorization: 'Bearer flt_solo', 'Content-Type': 'application/json' },
      body: JSON.stringify({ env_key: 'helpdesk', heartbeat_interval: 1, max_wait_seconds: 30 }),
    });
    const env = { instanceId: (await made.json()).instance_id };
    const events = await collect(stream, (e) => e.some((x) => x.type === 'instance.stopped'));
    assert.deepEqual(events.map((e) => [e.type, e.reason]), [
      ['instance.created', null], ['instance.running', null],
      ['instance.heartbeat_missed', 'heartbeat_missed'], ['instance.stopped', 'heartbeat_missed'],
    ]);
    assert.ok(events.every((e) => e.instanceId === env.instanceId));
  } finally {
    await own.stop();
  }
});

test('the worst caller, again: a huge task key is refused, ids are per team, a revoked token stops receiving', async () => {
  // A 1 MB task key is refused before it can become an event in every stream of the team.
  const huge = await fetch(`${server.baseUrl}/v1/sessions/ingest`, {
    method: 'POST', headers: { Authorization: 'Bearer flt_alice', 'Content-Type': 'application/json' },
    body: JSON.stringify({ task_key: 'k'.repeat(1_000_000), messages: [{ role: 'user', content: 'x' }] }),
  });
  assert.equal(huge.status, 422);
  assert.match((await huge.json()).detail, /task_key: at most 255/);

  // Ids count the team's own events: Bob's activity does not show in Alice's numbering.
  const { stream, opened } = open(alice);
  const mine = collect(stream, (e) => e.length === 2);
  await opened;
  await alice.job('alice 1');
  for (let i = 0; i < 3; i++) await bob.job(`bob ${i}`);
  await alice.job('alice 2');
  const [first, second] = await mine;
  assert.equal(Number(second.id), Number(first.id) + 1);

  // A session token signed out while its stream is open: the stream ends with the error.
  const signIn = await fetch(`${server.baseUrl}/v1/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ api_key: 'flt_alice' }),
  });
  const { token } = await signIn.json();
  const browser = new Fleet({ apiKey: token, baseUrl: server.baseUrl });
  const watched = open(browser);
  const seen = [];
  const ended = (async () => { for await (const e of watched.stream) seen.push(e); })();
  await watched.opened;
  await fetch(`${server.baseUrl}/v1/session`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
  await alice.job('after the sign-out');
  await assert.rejects(ended, { name: 'AuthenticationError' });
  assert.deepEqual(seen, [], 'nothing after the sign-out');
});
