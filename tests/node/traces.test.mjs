// Jobs and sessions (protocol §9) through the packed package against a real flotilla-server:
// record an evaluation, read it back, and refuse bad input before sending.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../support/server.mjs';
import { installPacked } from '../support/packed.mjs';

let server;
let F;
let fleet;

before(async () => {
  server = await startServer();
  ({ flotilla: F } = installPacked());
  fleet = new F.Fleet({ apiKey: server.apiKey, baseUrl: server.baseUrl });
});
after(async () => server?.stop());

test('a job records sessions, verifier executions and transcripts, and reads them back', async () => {
  const jobId = await fleet.job('node job');
  assert.match(jobId, /^job_/);
  const tasks = Object.fromEntries((await fleet.loadTasks({ envKey: 'helpdesk' })).map((t) => [t.key, t]));
  const sessionIds = {};
  for (const [key, act] of [['helpdesk-close-printer', true], ['helpdesk-assign-vpn', false]]) {
    const env = await tasks[key].makeEnv({ runId: jobId });
    const session = fleet.session({ jobId, model: 'scripted', taskKey: key, instanceId: env.instanceId, config: { t: 0 } });
    assert.equal(session.sessionId, null, 'made on the first log');
    const history = [{ role: 'user', content: tasks[key].prompt }];
    const first = await session.log(history, { role: 'assistant', content: '<script>alert(1)</script>',
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'sql', arguments: '{}' } }] });
    assert.equal(first.createdNewSession, true);
    assert.equal(session.sessionId, first.sessionId);
    history.push({ role: 'assistant', content: '<script>alert(1)</script>' }, { role: 'tool', content: '3 rows', tool_call_id: 'c1' });
    if (act) await env.db().exec("UPDATE tickets SET status = 'closed' WHERE id = 2");
    const second = await session.log(history, 'done');
    assert.equal(second.messageCount, 4, 'only the new message and the response were sent');
    assert.equal(await session.log(history), null, 'nothing new: nothing sent');
    const result = await tasks[key].verifyDetailed(env);
    assert.match(result.executionId, /^exec_/);
    const ended = await session.complete({ verifierExecutionId: result.executionId });
    assert.equal(ended.sessionId, session.sessionId);
    sessionIds[key] = session.sessionId;
    await env.close();
  }
  const record = await fleet.listJobSessions(jobId);
  assert.equal(record.totalSessions, 2);
  const byTask = Object.fromEntries(record.tasks.map((t) => [t.taskId, t]));
  assert.deepEqual([byTask['helpdesk-close-printer'].passRate, byTask['helpdesk-assign-vpn'].passRate], [1, 0]);
  const [info] = byTask['helpdesk-close-printer'].sessions;
  assert.equal(info.sessionId, sessionIds['helpdesk-close-printer']);
  assert.deepEqual([info.model, info.status, info.stepCount, info.verifierExecution.score], ['scripted', 'completed', 2, 1]);
  assert.equal(info.instance.envKey, 'helpdesk');
  const transcript = await fleet.getSessionTranscript(info.sessionId);
  assert.deepEqual(transcript.transcript.map((m) => m.role), ['user', 'assistant', 'tool', 'assistant']);
  assert.equal(transcript.transcript[1].content, '<script>alert(1)</script>', 'text is kept as text');
  assert.equal(transcript.transcript[1].toolCalls[0].function.name, 'sql');
  assert.equal(transcript.transcript[2].toolCallId, 'c1');
  const jobs = await fleet.listJobs();
  assert.equal(jobs.find((j) => j.id === jobId).status, 'completed');
  assert.equal((await fleet.getJob(jobId)).name, 'node job');
});

test('createSession, appendMessage and completeSession; a failed session; module functions', async () => {
  const jobId = await fleet.job();
  const created = await fleet.createSession({ model: 'm', taskKey: 'helpdesk-count-open', jobId });
  assert.equal(created.messageCount, 1);
  await fleet.appendMessage(created.sessionId, { role: 'user', content: 'hi', toolCallId: 'x' });
  const done = await fleet.completeSession(created.sessionId, { status: 'failed' });
  assert.equal(done.messageCount, 3);
  const transcript = await fleet.getSessionTranscript(created.sessionId);
  assert.deepEqual(transcript.transcript.map((m) => m.content), ['[session created]', 'hi', '[session failed]']);
  const never = fleet.session({ jobId, taskKey: 'helpdesk-count-open' });
  const failed = await never.fail();
  assert.equal(failed.createdNewSession, true, 'a session never logged is still recorded as failed');
  const record = await fleet.listJobSessions(jobId);
  assert.equal(record.totalSessions, 2, 'the never-logged session is in its job too');
  assert.equal(record.tasks[0].passedSessions, 0);
  F.configure({ apiKey: server.apiKey, baseUrl: server.baseUrl });
  assert.equal((await F.listJobSessions(jobId)).jobId, jobId);
  assert.match(await F.job('module'), /^job_/);
});

test('bad session input is a ValidationError and sends nothing; the server refuses the rest', async () => {
  let sent = 0;
  const counting = new F.Fleet({ apiKey: server.apiKey, baseUrl: server.baseUrl, fetch: (...a) => { sent++; return fetch(...a); } });
  assert.throws(() => counting.session({ jobID: 'x' }), (e) => e instanceof F.ValidationError && /unknown option `jobID`/.test(e.message));
  assert.throws(() => counting.session({ taskKey: '' }), F.ValidationError);
  await assert.rejects(counting.appendMessage('s', { content: 'no role' }), F.ValidationError);
  await assert.rejects(counting.appendMessage('s', { role: 'user' }, { status: 'exploded' }), F.ValidationError);
  await assert.rejects(counting.listJobSessions(''), F.ValidationError);
  await assert.rejects(counting.session().log('not an array'), F.ValidationError);
  await assert.rejects(counting.session().complete({ verifierExecutionId: '' }), F.ValidationError);
  await assert.rejects(counting.createJob({ models: [] }), F.ValidationError);
  assert.equal(sent, 0);
  await assert.rejects(counting.listJobSessions('job_nope'), F.NotFoundError);
  await assert.rejects(counting.session({ sessionId: 'ses_nope' }).log([{ role: 'user', content: 'x' }]), F.NotFoundError);
  await assert.rejects(counting.createJob({ models: ['gpt-4o'] }), (e) => e instanceof F.BadRequestError && /hosted agent jobs/.test(e.message));
});

test('compare: two recorded jobs give per-task changes, flips, an interval and a verdict', async () => {
  const tasks = Object.fromEntries((await fleet.loadTasks({ envKey: 'helpdesk' })).map((t) => [t.key, t]));
  const keys = ['helpdesk-close-printer', 'helpdesk-assign-vpn'];
  // A job where `close` is done when `closes` says so; the other task is never done.
  const record = async (name, closes) => {
    const jobId = await fleet.job(name);
    for (const key of keys) {
      const env = await tasks[key].makeEnv();
      const session = fleet.session({ jobId, taskKey: key, model: name });
      await session.log([{ role: 'user', content: 'go' }], 'ok');
      if (closes && key === 'helpdesk-close-printer') await env.db().exec("UPDATE tickets SET status = 'closed' WHERE id = 2");
      const { executionId } = await tasks[key].verifyDetailed(env);
      await session.complete({ verifierExecutionId: executionId });
      await env.close();
    }
    return jobId;
  };
  const baseline = await record('baseline', false);
  const candidate = await record('candidate', true);
  const c = await fleet.compare(baseline, candidate);
  assert.deepEqual([c.baselinePassRate, c.candidatePassRate, c.change], [0, 0.5, 0.5]);
  assert.deepEqual(c.tasks.map((t) => [t.taskKey, t.change, t.flipped]),
    [['helpdesk-assign-vpn', 0, null], ['helpdesk-close-printer', 1, 'fail->pass']]);
  assert.ok(c.intervalLow <= c.change && c.change <= c.intervalHigh);
  assert.equal(c.verdict, 'inconclusive', 'two tasks cannot rule out chance');
  assert.deepEqual(await fleet.compare(baseline, candidate), c, 'seeded: the same jobs, the same interval');
  const reverse = await fleet.compare(candidate, baseline, { confidence: 0.5 });
  assert.equal(reverse.change, -0.5);
  await assert.rejects(fleet.compare(baseline, candidate, { confidence: 2 }), F.ValidationError);
  await assert.rejects(fleet.compare(baseline, 'job_nope'), F.NotFoundError);
});

test('compare reports the CI gate with maxDrop', async () => {
  const a = await fleet.job('gate a');
  const b = await fleet.job('gate b');
  for (const [jobId, passed] of [[a, true], [b, false]]) {
    const created = await fleet.createSession({ jobId, taskKey: 'helpdesk-count-open' });
    await fleet.completeSession(created.sessionId, { status: passed ? 'completed' : 'failed' });
  }
  // No verifier execution on either: both score 0, no change, the gate passes.
  const c = await fleet.compare(a, b, { maxDrop: 0 });
  assert.deepEqual([c.change, c.maxDrop, c.gatePassed], [0, 0, true]);
  await assert.rejects(fleet.compare(a, b, { maxDrop: 2 }), F.ValidationError);
});
