"""Fleet's own CLI, `flt` (PyPI fleet-python[cli] 0.2.133), reads jobs and sessions from flotilla-server."""
import asyncio
import json
import os
import subprocess
import sys

from fleet._async.client import AsyncFleet

FLT = os.path.join(os.path.dirname(sys.executable), "flt")


def flt(server, *args):
    env = {**os.environ, "FLEET_BASE_URL": server["base_url"], "FLEET_API_KEY": server["api_key"],
           "COLUMNS": "400", "NO_COLOR": "1", "TERM": "dumb"}
    run = subprocess.run([FLT, *args], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr + run.stdout
    return run.stdout


def test_flt_lists_and_reads_a_recorded_job(fleet_env):
    async def record():
        client = AsyncFleet()
        job_id = await client.trace_job("flt job")
        session = client.start_session(job_id=job_id, model="scripted", task_key="helpdesk-count-open")
        await session.log([{"role": "user", "content": "how many open?"}], "5")
        await session.complete()
        return job_id, session.session_id

    job_id, session_id = asyncio.run(record())

    jobs = json.loads(flt(fleet_env, "jobs", "list", "--json"))
    assert any(j["id"] == job_id and j["name"] == "flt job" for j in jobs)
    assert job_id in flt(fleet_env, "jobs", "list")

    assert job_id in flt(fleet_env, "jobs", "get", job_id)
    assert json.loads(flt(fleet_env, "jobs", "get", job_id, "--json"))["id"] == job_id

    sessions = json.loads(flt(fleet_env, "jobs", "sessions", job_id, "--json"))
    assert sessions["total_sessions"] == 1
    assert sessions["tasks"][0]["sessions"][0]["session_id"] == session_id
    table = flt(fleet_env, "jobs", "sessions", job_id)
    assert "helpdesk-count-open" in table and session_id in table

    transcript = json.loads(flt(fleet_env, "sessions", "transcript", session_id, "--json"))
    assert [m["role"] for m in transcript["transcript"]] == ["user", "assistant"]
    assert "how many open?" in flt(fleet_env, "sessions", "transcript", session_id)
