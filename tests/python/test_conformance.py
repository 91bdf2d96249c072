"""The fleet-python 0.2.133 conformance suite: the unchanged client against flotilla-server."""
import asyncio
import uuid

import pytest

import fleet
from fleet._async.client import AsyncFleet
from fleet.tasks import Task as SyncTask  # fleet.Task is the async model
from fleet.exceptions import (
    FleetEnvironmentNotFoundError,
    FleetInstanceLimitError,
    FleetVersionNotFoundError,
)

from fault_proxy import FaultProxy


@pytest.fixture()
def client(fleet_env):
    return fleet.Fleet()


@pytest.fixture()
def helpdesk(client):
    """A helpdesk instance made by the sync client, closed after the test."""
    env = client.make("helpdesk")
    yield env
    env.close()


@pytest.fixture()
def run_id():
    return f"run-{uuid.uuid4().hex[:8]}"


def test_make_with_env_vars_run_ttl_and_heartbeat(client, run_id):
    env = client.make("helpdesk", run_id=run_id, ttl_seconds=600, heartbeat_interval=30,
                      env_variables={"LOCALE": "fr"})
    try:
        assert env.status == "running"
        assert env.env_key == "helpdesk" and env.version == "v1"
        assert env.run_id == run_id
        assert env.env_variables == {"LOCALE": "fr"}
        assert env.heartbeat_interval == 30
        assert env.urls.root.endswith("/")
        assert env.urls.manager.api.endswith("/api/v1/env")
        assert env.data_key == "support" and env.data_version == "v1"
    finally:
        env.close()


def test_make_with_version_and_data_keys(client):
    env = client.make("helpdesk:v1", data_key="support:1")
    try:
        assert (env.version, env.data_key, env.data_version) == ("v1", "support", "v1")
    finally:
        env.close()


def test_list_heartbeat_close_and_close_all(client, run_id):
    first = client.make("helpdesk", run_id=run_id, heartbeat_interval=30)
    second = client.make("helpdesk", run_id=run_id)
    listed = {e.instance_id for e in client.instances(run_id=run_id)}
    assert listed == {first.instance_id, second.instance_id}
    account = client.account()
    by_profile = {e.instance_id for e in client.instances(profile_id=account.profile_id)}
    assert listed <= by_profile
    assert {e.instance_id for e in client.instances(run_id=run_id, status="running")} == listed

    beat = client.heartbeat(first.instance_id)
    assert beat.success and beat.instance_id == first.instance_id
    assert beat.interval_seconds == 30 and beat.deadline_timestamp > 0 and beat.last_heartbeat
    assert first.heartbeat().success

    closed = client.close(second.instance_id)
    assert closed.status == "stopped" and closed.terminated_at
    remaining = client.close_all(run_id=run_id)
    assert [e.instance_id for e in remaining] == [first.instance_id]
    assert client.instance(first.instance_id).status == "stopped"


def test_account_and_runs(client, run_id):
    before = client.account()
    env = client.make("helpdesk", run_id=run_id)
    assert client.account().instance_count == before.instance_count + 1
    active = {r.run_id: r for r in client.list_runs()}
    assert active[run_id].running_count == 1 and active[run_id].total_count == 1
    env.close()
    assert run_id not in {r.run_id for r in client.list_runs(status="active")}
    every = {r.run_id: r for r in client.list_runs(status="all")}
    assert every[run_id].running_count == 0 and every[run_id].total_count == 1
    assert run_id in {r.run_id for r in client.list_runs(status="inactive")}


def test_catalog_and_regions(client):
    envs = {e.env_key: e for e in client.list_envs()}
    assert envs["helpdesk"].default_version == "v1"
    assert client.environment("helpdesk").versions
    assert "us-west-1" in client.list_regions()


def test_errors_map_to_fleet_python_classes(client):
    with pytest.raises(FleetEnvironmentNotFoundError):
        client.make("no-such-env")
    with pytest.raises(FleetVersionNotFoundError) as info:
        client.make("helpdesk:v9")
    assert info.value.version == "v9"


def test_instance_limit(limited_server, monkeypatch):
    monkeypatch.delenv("RUNNER_AUTH_TOKEN", raising=False)
    small = fleet.Fleet(api_key="flt_limited_key", base_url=limited_server["base_url"])
    env = small.make("helpdesk")
    with pytest.raises(FleetInstanceLimitError) as info:
        small.make("helpdesk")
    assert (info.value.running_instances, info.value.instance_limit) == (1, 1)
    env.close()


def test_db_queries_query_builder_and_reset(helpdesk):
    helpdesk.resources()
    db = helpdesk.db()
    assert db.query("SELECT COUNT(*) FROM tickets WHERE status = ?", ["open"]).rows == [[5]]
    ticket = db.table("tickets").eq("id", 3).first()
    assert ticket["subject"] == "VPN drops every hour"
    assert db.table("tickets").eq("status", "open").count() == 5
    assert len(db.table("tickets").neq("status", "open").all()) == 2
    changed = db.exec("UPDATE tickets SET assignee = ? WHERE id = ?", ["maria", 3])
    assert changed.rows_affected == 1
    assert helpdesk.db("seed").table("tickets").eq("id", 3).first()["assignee"] is None
    tables = {t.name for t in db.describe().tables}
    assert {"tickets", "customers", "comments", "agents"} <= tables
    assert helpdesk.reset().success
    assert db.table("tickets").eq("id", 3).first()["assignee"] is None


def test_import_get_and_update_task(client):
    key = f"imported-{uuid.uuid4().hex[:6]}"
    task = SyncTask(key=key, prompt="Close every ticket.", env_id="helpdesk", version="v1",
                      verifier_func="def verify(env, final_answer=None):\n    return 1.0\n",
                      metadata={"difficulty": "easy"})
    response = client.import_single_task(task, project_key="conformance")
    assert response is not None and response.status_code == 200
    got = client.get_task(key)
    assert got.prompt == "Close every ticket." and got.metadata == {"difficulty": "easy"}
    assert [t.key for t in client.load_tasks(project_key="conformance") if t.key == key] == [key]
    updated = client.update_task(key, prompt="Close every open ticket.")
    assert updated.prompt == "Close every open ticket."
    assert client.get_task(key).prompt == "Close every open ticket."


def test_verify_detailed_async_for_a_passing_and_a_failing_task(fleet_env):
    async def scenario():
        client = AsyncFleet()
        tasks = {t.key: t for t in await client.load_tasks(env_key="helpdesk")}
        env = await client.make("helpdesk")
        try:
            await env.resources()
            await env.db().exec("UPDATE tickets SET status = 'closed' WHERE id = 2")
            passing = await tasks["helpdesk-close-printer"].verify_detailed_async(env)
            failing = await tasks["helpdesk-assign-vpn"].verify_detailed_async(env)
            answered = await tasks["helpdesk-count-open"].verify_detailed_async(env, final_answer="4")
            return passing, failing, answered
        finally:
            await env.close()

    passing, failing, answered = asyncio.run(scenario())
    assert passing.success and passing.result == 1.0
    assert failing.success and failing.result == 0.0
    assert answered.success and answered.result == 0.0, "the task forbids changes: a closed ticket fails it"
    assert passing.execution_time_ms >= 0


def test_a_failing_verifier_reports_its_error(helpdesk):
    broken = SyncTask(key="broken", prompt="p", env_id="helpdesk",
                        verifier_func="def verify(env, final_answer=None):\n    print('checking')\n    raise ValueError('no such ticket')\n")
    result = broken.verify_detailed(helpdesk)
    assert result.success is False
    assert result.error["type"] == "ValueError" and "no such ticket" in result.error["message"]
    assert "Traceback" in result.error["traceback"]
    assert "checking" in result.stdout


def test_duplicate_create_recovery_through_a_lossy_proxy(fleet_env, monkeypatch, run_id):
    proxy = FaultProxy(fleet_env["base_url"])
    try:
        proxy.fail_after_commit[("POST", "/v1/env/instances")] = 1
        client = fleet.Fleet(api_key=fleet_env["api_key"], base_url=proxy.url)
        env = client.make("helpdesk", run_id=run_id)
        assert env.status == "running"
        creates = [entry for entry in proxy.log if entry[0] == "POST"]
        assert [c[2] for c in creates] == [500, 409], creates
        assert creates[0][3] == creates[1][3], "the retry carried the same X-Request-ID"
        assert len(client.instances(run_id=run_id)) == 1, "never a second instance"
        env.close()
    finally:
        proxy.close()


def test_mcp_tools_and_structured_diff(fleet_env):
    async def scenario():
        client = AsyncFleet()
        env = await client.make("helpdesk")
        try:
            tools = await env.mcp.list_tools()
            await env.resources()
            await env.db().exec("UPDATE tickets SET priority = 'urgent' WHERE id = 7")
            await env.db().exec("DELETE FROM tickets WHERE id = 5")
            diff = await env.instance.client.request("POST", "/diff/structured", json={})
            return env.mcp.url, tools, diff.json()
        finally:
            await env.close()

    url, tools, diff = asyncio.run(scenario())
    assert url.endswith("/mcp")
    assert "update_ticket" in {t["name"] if isinstance(t, dict) else t.name for t in tools}
    tickets = diff["diff"]["tickets"]
    assert diff["success"] and tickets["primary_key"] == ["id"]
    assert [r["row_id"] for r in tickets["removed_rows"]] == [5]
    assert tickets["modified_rows"][0]["changes"]["priority"] == {"before": "normal", "after": "urgent"}
    assert tickets["total_changes"] == 2 and tickets["unchanged_count"] == 5


def _execute_raw(fleet_env, instance_id, code, timeout):
    """POSTs a verifier bundle the way fleet-python does, with a chosen timeout."""
    import base64
    import hashlib
    import io
    import pickle
    import zipfile

    import httpx

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("requirements.txt", "fleet-python")
        z.writestr("verifier.py", code)
    bundle = buffer.getvalue()
    args = pickle.dumps({"args": (None, {"env": instance_id}), "kwargs": {}}, protocol=2)
    body = {"key": "raw", "sha256": hashlib.sha256(bundle).hexdigest(), "args": base64.b64encode(args).decode(),
            "args_array": [{"env": instance_id}], "function_name": "verify", "timeout": timeout,
            "region": "us-west-1", "bundle": base64.b64encode(bundle).decode()}
    r = httpx.post(f"{fleet_env['base_url']}/v1/verifiers/execute", json=body, timeout=60,
                   headers={"Authorization": f"Bearer {fleet_env['api_key']}"})
    assert r.status_code == 200, r.text
    return r.json()


def test_a_verifier_that_overruns_its_timeout_is_stopped(fleet_env, helpdesk):
    result = _execute_raw(fleet_env, helpdesk.instance_id, "import time\ndef verify(env):\n    time.sleep(30)\n    return 1\n", 2)
    assert result["success"] is False
    assert result["error"]["type"] == "TimeoutError" and "timeout" in result["error"]["message"]
    assert result["execution_time_ms"] < 20000


def test_a_verifier_that_kills_its_interpreter_is_a_clear_failure(fleet_env, helpdesk):
    result = _execute_raw(fleet_env, helpdesk.instance_id, "import os\ndef verify(env):\n    os._exit(3)\n", 10)
    assert result["success"] is False
    assert result["error"]["type"] == "VerifierCrashed" and "without a result" in result["error"]["message"]
