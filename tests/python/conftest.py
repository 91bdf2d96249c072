"""Starts real flotilla-servers for the fleet-python conformance tests."""
import json
import os
import pathlib
import re
import subprocess
import tempfile

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BINARY = REPO / "target" / "release" / "flotilla-server"


def start_server(data_dir, *args):
    proc = subprocess.Popen(
        [str(BINARY), "--port", "0", "--data-dir", data_dir, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    base_url = None
    for line in proc.stdout:
        match = re.search(r"listening on (http://\S+)", line)
        if match:
            base_url = match.group(1)
            break
    assert base_url, "flotilla-server did not start"
    with open(os.path.join(data_dir, "api-keys.json")) as f:
        api_key = json.load(f)["keys"][0]["key"]
    return proc, {"base_url": base_url, "api_key": api_key, "data_dir": data_dir}


@pytest.fixture(scope="session")
def server():
    """The shared server: the local team (first key) and a second team, for isolation tests."""
    data_dir = tempfile.mkdtemp(prefix="flotilla-pytest-")
    keys = {"keys": [
        {"key": "flt_pytest_local_key", "team_id": "team_local", "team_name": "Local Team",
         "profile_id": "profile_dev", "profile_name": "dev", "instance_limit": 50},
        {"key": "flt_pytest_other_key", "team_id": "team_other", "team_name": "Other",
         "profile_id": "profile_other", "profile_name": "other", "instance_limit": 5},
    ]}
    with open(os.path.join(data_dir, "api-keys.json"), "w") as f:
        json.dump(keys, f)
    proc, info = start_server(data_dir)
    yield info
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture()
def limited_server():
    """A server whose only team may run one instance."""
    data_dir = tempfile.mkdtemp(prefix="flotilla-pytest-limit-")
    keys = {"keys": [{"key": "flt_limited_key", "team_id": "team_small", "team_name": "Small",
                      "profile_id": "p_small", "profile_name": "small", "instance_limit": 1}]}
    with open(os.path.join(data_dir, "api-keys.json"), "w") as f:
        json.dump(keys, f)
    proc, info = start_server(data_dir)
    yield info
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture()
def fleet_env(server, monkeypatch):
    """Points the unchanged fleet-python client at flotilla-server through its env vars."""
    monkeypatch.setenv("FLEET_BASE_URL", server["base_url"])
    monkeypatch.setenv("FLEET_API_KEY", server["api_key"])
    monkeypatch.delenv("RUNNER_AUTH_TOKEN", raising=False)
    return server
