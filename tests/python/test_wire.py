"""fleet-python 0.2.133, unchanged, against flotilla-server: the independent wire check."""
import importlib.metadata

import pytest

import fleet


def test_client_is_the_pinned_release():
    assert importlib.metadata.version("fleet-python") == "0.2.133"


def test_account(fleet_env):
    account = fleet.Fleet().account()
    assert account.team_id == "team_local"
    assert account.team_name == "Local Team"
    assert account.instance_limit >= 1
    assert account.instance_count >= 0


def test_load_tasks_all_and_filtered(fleet_env):
    client = fleet.Fleet()
    tasks = client.load_tasks(env_key="helpdesk")
    assert len(tasks) >= 8
    by_key = {t.key: t for t in tasks}
    task = by_key["helpdesk-close-printer"]
    assert task.env_id == "helpdesk"
    assert task.env_key == "helpdesk:v1"
    assert task.data_key == "support:v1"
    assert "def verify" in task.verifier_func
    # fleet-python compiles every verifier locally on load; ours must all compile.
    assert all(t.verifier is not None for t in tasks), [t.key for t in tasks if t.verifier is None]

    picked = client.load_tasks(keys=["helpdesk-count-open", "helpdesk-assign-vpn"])
    assert sorted(t.key for t in picked) == ["helpdesk-assign-vpn", "helpdesk-count-open"]
    assert client.load_tasks(env_key="no-such-env") == []


def test_wrong_key_raises_authentication_error(fleet_env):
    from fleet.exceptions import FleetAuthenticationError

    with pytest.raises(FleetAuthenticationError):
        fleet.Fleet(api_key="flt_wrong", base_url=fleet_env["base_url"]).account()


def test_get_task_and_unknown_task(fleet_env):
    import httpx

    client = fleet.Fleet()
    task = client.get_task("helpdesk-delete-spam")
    assert task.key == "helpdesk-delete-spam"
    assert task.environment_id == "helpdesk"
    # Unknown keys are a 404 with a JSON detail (fleet-python retries 404s, so ask directly).
    r = httpx.get(
        f"{fleet_env['base_url']}/v1/tasks/no-such-task",
        headers={"Authorization": f"Bearer {fleet_env['api_key']}"},
    )
    assert r.status_code == 404
    assert "not found" in r.json()["detail"]
