"""Task packs move between fleet-python 0.2.133 and the SDK unchanged, and Fleet's CLI lists the
projects flotilla-server keeps."""
import json
import os
import subprocess
from datetime import datetime, timezone

from fleet import Fleet

from conftest import REPO
from test_flt_cli import flt

CLI = str(REPO / "js" / "cli.mjs")


def flotilla(server, *args):
    env = {**os.environ, "FLEET_BASE_URL": server["base_url"], "FLEET_API_KEY": server["api_key"]}
    run = subprocess.run(["node", CLI, *args], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr + run.stdout
    return run.stdout


def renamed(path, prefix):
    with open(path) as f:
        pack = json.load(f)
    for task in pack:
        task["key"] = prefix + task["key"]
    with open(path, "w") as f:
        json.dump(pack, f)
    return pack


def entry(task):
    """A loaded task as a file entry, as fleet-python's `export_tasks` writes it."""
    dumped = json.loads(json.dumps(task.model_dump(), default=str))
    dumped.pop("verifier", None)
    dumped.pop("verifier_runtime_version", None)
    return dumped


def same_instant(a, b):
    """Two ISO-8601 texts of one instant (naive ones read as UTC)."""
    def read(text):
        when = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
        return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return read(a) == read(b)


def test_flt_lists_projects(fleet_env):
    projects = json.loads(flt(fleet_env, "projects", "list", "--json"))["projects"]
    demo = next(p for p in projects if p["project_key"] == "demo")
    assert demo["task_modality"] == "tool_use"
    assert demo["created_at"]
    table = flt(fleet_env, "projects", "list")
    assert "demo" in table and "tool-use" in table


def test_a_pack_fleet_python_exports_is_imported_by_the_sdk(fleet_env, tmp_path):
    fleet = Fleet()
    path = str(tmp_path / "from-python.json")
    assert fleet.export_tasks(env_key="helpdesk", filename=path) == path
    pack = renamed(path, "py-")
    assert len(pack) >= 8, "the help desk's tasks, and any the session's other tests imported"
    imported = flotilla(fleet_env, "tasks", "import", path, "--project", "from-python")
    assert f"imported {len(pack)} tasks into project from-python" in imported
    loaded = {t.key: t for t in fleet.load_tasks(project_key="from-python")}
    assert sorted(loaded) == sorted(t["key"] for t in pack)
    # Every field of the file came through (the verifier's sha is recomputed from its code).
    for task in pack:
        back = entry(loaded[task["key"]])
        task.pop("verifier_runtime_version", None)  # the sync Task's own field, not the server's
        assert same_instant(back.pop("created_at"), task.pop("created_at")), task["key"]
        assert back == task, task["key"]
    projects = json.loads(flt(fleet_env, "projects", "list", "--json"))["projects"]
    assert any(p["project_key"] == "from-python" for p in projects)


def test_a_pack_the_sdk_exports_is_imported_by_fleet_python(fleet_env, tmp_path):
    path = str(tmp_path / "from-js.json")
    assert "exported 8 tasks" in flotilla(fleet_env, "tasks", "export", path, "--env", "helpdesk", "--project", "demo")
    pack = renamed(path, "js-")
    fleet = Fleet()
    assert len(fleet.load_tasks_from_file(path)) == 8, "fleet-python reads the file, verifiers compiled"
    responses = fleet.import_tasks(path, project_key="from-js")
    assert len(responses) == 8 and all(r.status_code == 200 for r in responses)
    loaded = {t.key: t for t in fleet.load_tasks(project_key="from-js")}
    assert sorted(loaded) == sorted(t["key"] for t in pack)
    for task in pack:
        back = entry(loaded[task["key"]])
        assert same_instant(back.pop("created_at"), task.pop("created_at")), task["key"]
        task["verifier_id"] = back["verifier_id"]  # fleet-python sends its own (the key)
        assert back == task, task["key"]
