"""Jobs and sessions (protocol §9) through the unchanged fleet-python 0.2.133 client."""
import asyncio
import json
import urllib.error
import urllib.request

import pytest

import fleet
from fleet._async.client import AsyncFleet
from fleet.exceptions import FleetAPIError


def raw(server, method, path, body=None, key=None):
    """A request fleet-python would never send (bad input), answered as (status, json)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server["base_url"] + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {key or server['api_key']}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_job_with_logged_sessions_reads_back_with_pass_rates_and_transcripts(fleet_env):
    async def scenario():
        client = AsyncFleet()
        job_id = await client.trace_job("conformance job")
        tasks = {t.key: t for t in await client.load_tasks(env_key="helpdesk")}
        outcomes = {}
        for key, act in [("helpdesk-close-printer", True), ("helpdesk-assign-vpn", False)]:
            env = await client.make("helpdesk")
            session = client.start_session(job_id=job_id, model="scripted", task_key=key,
                                           instance_id=env.instance_id, config={"temperature": 0})
            history = [{"role": "user", "content": tasks[key].prompt}]
            await session.log(history, {"role": "assistant", "content": "looking",
                                        "tool_calls": [{"id": "c1", "type": "function",
                                                        "function": {"name": "sql", "arguments": "{}"}}]})
            history += [{"role": "assistant", "content": "looking"},
                        {"role": "tool", "content": "3 rows", "tool_call_id": "c1"}]
            if act:
                await env.resources()
                await env.db().exec("UPDATE tickets SET status = 'closed' WHERE id = 2")
            await session.log(history, "done")
            result = await tasks[key].verify_detailed_async(env)
            assert result.execution_id, "verify_detailed answers the execution id"
            await session.complete(verifier_execution_id=result.execution_id)
            outcomes[key] = session.session_id
            await env.close()
        sessions = await client.list_job_sessions(job_id)
        transcript = await client.get_session_transcript(outcomes["helpdesk-close-printer"])
        return job_id, outcomes, sessions, transcript

    job_id, outcomes, sessions, transcript = asyncio.run(scenario())
    # One verifier execution scores one session: it cannot pass a second one.
    execution = sessions.tasks[0].sessions[0]
    assert execution.verifier_execution is not None
    assert sessions.job_id == job_id and sessions.total_sessions == 2
    groups = {g.task_id: g for g in sessions.tasks}
    closed, missed = groups["helpdesk-close-printer"], groups["helpdesk-assign-vpn"]
    assert (closed.total_sessions, closed.passed_sessions, closed.pass_rate, closed.average_score) == (1, 1, 1.0, 1.0)
    assert (missed.passed_sessions, missed.pass_rate, missed.average_score) == (0, 0.0, 0.0)
    assert closed.task.prompt and closed.task.env_id == "helpdesk"
    info = closed.sessions[0]
    assert info.session_id == outcomes["helpdesk-close-printer"]
    assert (info.model, info.status, info.step_count) == ("scripted", "completed", 2)
    assert info.verifier_execution.success and info.verifier_execution.score == 1.0
    assert info.instance.env_key == "helpdesk" and info.ended_at
    roles = [m.role for m in transcript.transcript]
    # Only new history is sent: the first response already stands for history[1].
    assert roles == ["user", "assistant", "tool", "assistant"], roles
    assert transcript.transcript[1].tool_calls[0]["function"]["name"] == "sql"
    assert transcript.transcript[2].tool_call_id == "c1"
    assert transcript.transcript[3].content == "done"
    assert transcript.verifier_execution.score == 1.0 and transcript.task.key == "helpdesk-close-printer"


def test_create_append_and_complete_a_session_then_list_and_read_the_job(fleet_env):
    async def scenario():
        client = AsyncFleet()
        job_id = await client.trace_job(None)
        created = await client.create_session(model="m", task_key="helpdesk-close-printer", job_id=job_id)
        assert created.success and created.created_new_session and created.message_count == 1
        appended = await client.append_message(created.session_id, {"role": "user", "content": "hi"})
        assert not appended.created_new_session and appended.message_count == 2
        done = await client.complete_session(created.session_id, status="failed")
        assert done.message_count == 3
        return job_id, created.session_id, await client.get_session_transcript(created.session_id)

    job_id, session_id, transcript = asyncio.run(scenario())
    assert [m.content for m in transcript.transcript] == ["[session created]", "hi", "[session failed]"]
    client = fleet.Fleet()
    jobs = {j.id: j for j in client.list_jobs()}
    assert job_id in jobs and jobs[job_id].name.startswith("job-") and jobs[job_id].status == "completed"
    assert client.get_job(job_id).id == job_id
    with pytest.raises(FleetAPIError) as refused:
        client.create_job(models=["gpt-4o"], env_key="helpdesk")
    assert "does not run hosted agent jobs" in str(refused.value)


def test_bad_session_input_is_refused_with_a_detail_and_writes_nothing(fleet_env):
    server = fleet_env
    status, body = raw(server, "POST", "/v1/sessions/ingest", {"messages": [{"content": "no role"}]})
    assert status == 422 and "role" in body["detail"]
    status, body = raw(server, "POST", "/v1/sessions/ingest", {"messages": []})
    assert status == 422 and "at least one message" in body["detail"]
    status, body = raw(server, "POST", "/v1/sessions/ingest",
                       {"messages": [{"role": "user", "content": "x"}], "status": "exploded"})
    assert status == 422 and "exploded" in body["detail"]
    status, body = raw(server, "POST", "/v1/sessions/ingest",
                       {"messages": [{"role": "user", "content": "x"}], "verifier_execution_id": "exec_nope"})
    assert status == 404 and "exec_nope" in body["detail"]
    status, body = raw(server, "POST", "/v1/traces/logs", {"history": [], "response": "x", "job_id": "job_nope"})
    assert status == 404 and "job_nope" in body["detail"]
    status, body = raw(server, "GET", "/v1/sessions/job/job_nope")
    assert status == 404
    status, body = raw(server, "GET", "/v1/sessions/ses_nope/transcript")
    assert status == 404
    status, body = raw(server, "GET", "/v1/jobs?team_id=someone_else")
    assert status == 404
    # Nothing half-written: a refused ingest into an existing session leaves it as it was.
    status, made = raw(server, "POST", "/v1/sessions/ingest", {"messages": [{"role": "user", "content": "a"}]})
    assert status == 200
    status, _ = raw(server, "POST", "/v1/sessions/ingest", {
        "session_id": made["session_id"], "verifier_execution_id": "exec_nope",
        "messages": [{"role": "user", "content": "b"}]})
    assert status == 404
    status, transcript = raw(server, "GET", f"/v1/sessions/{made['session_id']}/transcript")
    assert [m["content"] for m in transcript["transcript"]] == ["a"]


def test_a_huge_transcript_is_refused_whole(fleet_env):
    server = fleet_env
    many = [{"role": "user", "content": str(i)} for i in range(10_001)]
    status, body = raw(server, "POST", "/v1/sessions/ingest", {"messages": many})
    assert status == 413 and "at most 10000 messages" in body["detail"]


def test_another_team_sees_none_of_it(fleet_env):
    server = fleet_env
    status, made = raw(server, "POST", "/v1/traces/jobs", {"name": "private"})
    assert status == 200
    status, session = raw(server, "POST", "/v1/sessions/ingest", {
        "job_id": made["job_id"], "messages": [{"role": "user", "content": "secret"}]})
    assert status == 200
    other = _second_team_key(server)
    assert raw(server, "GET", f"/v1/sessions/job/{made['job_id']}", key=other)[0] == 404
    assert raw(server, "GET", f"/v1/jobs/{made['job_id']}", key=other)[0] == 404
    assert raw(server, "GET", f"/v1/sessions/{session['session_id']}/transcript", key=other)[0] == 404
    status, _ = raw(server, "POST", "/v1/sessions/ingest", {
        "session_id": session["session_id"], "messages": [{"role": "user", "content": "x"}]}, key=other)
    assert status == 404
    status, jobs = raw(server, "GET", "/v1/jobs", key=other)
    assert status == 200 and all(j["id"] != made["job_id"] for j in jobs["jobs"])
    # Nor can it file its sessions under this team's job or instances.
    status, _ = raw(server, "POST", "/v1/sessions/ingest", {
        "job_id": made["job_id"], "messages": [{"role": "user", "content": "x"}]}, key=other)
    assert status == 404
    status, inst = raw(server, "POST", "/v1/env/instances", {"env_key": "helpdesk", "created_from": "sdk"})
    assert status == 200
    status, _ = raw(server, "POST", "/v1/sessions/ingest", {
        "instance_id": inst["instance_id"], "messages": [{"role": "user", "content": "x"}]}, key=other)
    assert status == 404
    raw(server, "DELETE", f"/v1/env/instances/{inst['instance_id']}")


def _second_team_key(server):
    """A key of the shared test server's second team (see conftest)."""
    with open(f"{server['data_dir']}/api-keys.json") as f:
        keys = json.load(f)["keys"]
    mine = next(k for k in keys if k["key"] == server["api_key"])["team_id"]
    others = [k["key"] for k in keys if k["team_id"] != mine]
    assert others, "the test server has a second team"
    return others[0]


def test_a_session_is_bounded_in_bytes_too_and_empty_logs_make_nothing(fleet_env):
    server = fleet_env
    big = "x" * (12 * 1024 * 1024)
    status, made = raw(server, "POST", "/v1/sessions/ingest", {"messages": [{"role": "user", "content": big}]})
    assert status == 200
    sid = made["session_id"]
    assert raw(server, "POST", "/v1/sessions/ingest", {"session_id": sid, "messages": [{"role": "user", "content": big}]})[0] == 200
    status, body = raw(server, "POST", "/v1/sessions/ingest", {"session_id": sid, "messages": [{"role": "user", "content": big}]})
    assert status == 413 and "MiB" in body["detail"]
    status, transcript = raw(server, "GET", f"/v1/sessions/{sid}/transcript")
    assert len(transcript["transcript"]) == 2, "the refused ingest wrote nothing"
    status, job = raw(server, "POST", "/v1/traces/jobs", {"name": "empty logs"})
    status, body = raw(server, "POST", "/v1/traces/logs", {"job_id": job["job_id"]})
    assert status == 200 and body["created_new_session"] is False
    assert raw(server, "GET", f"/v1/sessions/job/{job['job_id']}")[1]["total_sessions"] == 0


def test_a_session_cannot_move_to_another_job(fleet_env):
    server = fleet_env
    first = raw(server, "POST", "/v1/traces/jobs", {"name": "one"})[1]["job_id"]
    second = raw(server, "POST", "/v1/traces/jobs", {"name": "two"})[1]["job_id"]
    status, made = raw(server, "POST", "/v1/sessions/ingest", {"job_id": first, "messages": [{"role": "user", "content": "a"}]})
    status, body = raw(server, "POST", "/v1/sessions/ingest", {
        "session_id": made["session_id"], "job_id": second, "messages": [{"role": "user", "content": "b"}]})
    assert status == 409 and first in body["detail"]
    assert raw(server, "GET", f"/v1/sessions/job/{first}")[1]["total_sessions"] == 1
