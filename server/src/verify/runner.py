"""Runs one verifier for flotilla-server (protocol §7.4-7.5).

Reads a job (JSON) on stdin, writes the result (JSON) to job["result_path"]. The verifier gets a
synchronous fleet-python env handle bound to the instance (URL mode against this server's runner
API) in place of the leading None; the trailing {"env": id} marker is dropped.
"""
import asyncio
import base64
import contextlib
import importlib.util
import inspect
import io
import json
import os
import pickle
import re
import string
import sys
import tempfile
import time
import traceback
import zipfile


def helpers():
    names = {"json": json, "re": re, "string": string, "TASK_SUCCESSFUL_SCORE": 1, "TASK_FAILED_SCORE": 0}
    try:
        from fleet.verifiers.local_executor import contains_number, extract_numbers, normalized_contains
        from fleet.verifiers.db import IgnoreConfig

        names.update(
            normalized_contains=normalized_contains,
            extract_numbers=extract_numbers,
            contains_number=contains_number,
            IgnoreConfig=IgnoreConfig,
        )
    except ImportError:
        pass
    return names


def extract(bundle_path, work):
    with zipfile.ZipFile(bundle_path) as bundle:
        for name in bundle.namelist():
            target = os.path.realpath(os.path.join(work, name))
            if not target.startswith(os.path.realpath(work) + os.sep):
                raise ValueError(f"bundle entry escapes its directory: {name}")
        bundle.extractall(work)


def run(job, out):
    work = tempfile.mkdtemp(prefix="flotilla-verifier-")
    extract(job["bundle_path"], work)
    sys.path.insert(0, work)
    spec = importlib.util.spec_from_file_location("verifier", os.path.join(work, "verifier.py"))
    if spec is None or not os.path.exists(os.path.join(work, "verifier.py")):
        raise FileNotFoundError("the bundle has no verifier.py")
    module = importlib.util.module_from_spec(spec)
    module.__dict__.update(helpers())
    with contextlib.redirect_stdout(out):
        spec.loader.exec_module(module)
    fn = getattr(module, job["function_name"], None)
    if fn is None:
        raise NameError(f"verifier.py defines no function {job['function_name']!r}")

    payload = pickle.loads(base64.b64decode(job["args"]))
    args = list(payload.get("args", ()))
    kwargs = dict(payload.get("kwargs") or {})
    if args and isinstance(args[-1], dict) and set(args[-1]) == {"env"}:
        args.pop()

    import fleet

    env = fleet.Fleet(api_key=job["api_key"], base_url=job["base_url"]).instance(job["manager_url"])
    env.instance.load()
    if args and args[0] is None:
        args[0] = env
    else:
        args.insert(0, env)
    with contextlib.redirect_stdout(out):
        value = fn(*args, **kwargs)
        if inspect.isawaitable(value):
            value = asyncio.run(value)
    return value


def main():
    job = json.load(sys.stdin)
    out = io.StringIO()
    result = {"success": False, "result": None, "error": None}
    try:
        result["result"] = run(job, out)
        result["success"] = True
    except BaseException as exc:  # the verifier's failure is data, not a crash
        result["error"] = {"type": type(exc).__name__, "message": str(exc), "traceback": traceback.format_exc()}
    result["stdout"] = out.getvalue()
    with open(job["result_path"], "w") as f:
        json.dump(result, f, default=repr)


if __name__ == "__main__":
    main()
