"""Starts a real flotilla-server for the fleet-python conformance tests."""
import json
import os
import pathlib
import re
import subprocess
import tempfile

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BINARY = REPO / "target" / "release" / "flotilla-server"


@pytest.fixture(scope="session")
def server():
    data_dir = tempfile.mkdtemp(prefix="flotilla-pytest-")
    proc = subprocess.Popen(
        [str(BINARY), "--port", "0", "--data-dir", data_dir],
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
    yield {"base_url": base_url, "api_key": api_key}
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture()
def fleet_env(server, monkeypatch):
    """Points the unchanged fleet-python client at flotilla-server through its env vars."""
    monkeypatch.setenv("FLEET_BASE_URL", server["base_url"])
    monkeypatch.setenv("FLEET_API_KEY", server["api_key"])
    monkeypatch.delenv("RUNNER_AUTH_TOKEN", raising=False)
    return server
