"""A warm verifier worker for flotilla-server (protocol §7.4-7.5).

Started inside the sandbox with fleet-python already imported, it answers one job per line on
stdin with one answer per line on stdout. Each job runs in a forked child with its own work dir
and limits; the verifier gets a synchronous fleet-python env handle bound to the instance (URL
mode, through a relay to the server's manager-only socket) in place of the leading None, and the
trailing {"env": id} marker is dropped. After each job every other process in the sandbox is
killed and the scratch dir is emptied, so nothing of one job meets the next.
"""
import asyncio
import base64
import contextlib
import ctypes
import importlib.util
import inspect
import io
import json
import os
import pickle
import re
import resource
import shutil
import signal
import socket
import string
import sys
import tempfile
import threading
import time
import traceback
import zipfile

import fleet  # imported once here: this is what makes the worker warm

SOCKET = os.environ["FLOTILLA_MANAGER_SOCKET"]
SCRATCH = os.environ["FLOTILLA_SCRATCH"]
SANDBOXED = os.environ.get("FLOTILLA_SANDBOXED") == "1"
MAX_STDOUT = int(os.environ["FLOTILLA_MAX_STDOUT"])
MAX_RESULT = int(os.environ["FLOTILLA_MAX_RESULT"])
MAX_EXTRACTED = int(os.environ["FLOTILLA_MAX_EXTRACTED"])
MAX_ENTRIES = 1000
MAX_ERROR_TEXT = 65536
# An answer's most bytes: a result, stdout (up to 6 bytes per character once JSON-escaped) and an
# error's texts.
MAX_ANSWER = MAX_RESULT + 6 * MAX_STDOUT + 6 * 3 * MAX_ERROR_TEXT + 65536


RELAYS = threading.BoundedSemaphore(32)


class Link:
    """One relayed connection: two pumps; the second to finish closes both ends and frees the slot."""

    def __init__(self, client, upstream):
        self.ends, self.lock, self.running = (client, upstream), threading.Lock(), 2

    def pump(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in self.ends:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
        with self.lock:
            self.running -= 1
            last = self.running == 0
        if last:
            for end in self.ends:
                end.close()
            RELAYS.release()


def relay(listener):
    """Forwards each loopback connection to the manager socket (the sandbox has no network). A
    job cannot stop it: a failure drops one connection, and at most 32 are open at once."""
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            time.sleep(0.05)
            continue
        if not RELAYS.acquire(timeout=5):
            client.close()
            continue
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(SOCKET)
            link = Link(client, upstream)
            threading.Thread(target=link.pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=link.pump, args=(upstream, client), daemon=True).start()
        except Exception:  # out of threads or fds: refuse this connection, keep relaying
            client.close()
            upstream.close()
            RELAYS.release()


class CappedText(io.TextIOBase):
    """Keeps the first MAX_STDOUT characters written, and says where it cut."""

    def __init__(self):
        self.parts, self.size, self.cut = [], 0, False

    def writable(self):
        return True

    def write(self, s):
        room = MAX_STDOUT - self.size
        if len(s) > room:
            self.cut = True
        if room > 0:
            self.parts.append(s[:room])
            self.size += min(len(s), room)
        return len(s)

    def text(self):
        marker = f"\n[flotilla: stdout cut at {MAX_STDOUT} characters]" if self.cut else ""
        return "".join(self.parts) + marker


def helpers():
    names = {"json": json, "re": re, "string": string, "TASK_SUCCESSFUL_SCORE": 1, "TASK_FAILED_SCORE": 0}
    with contextlib.suppress(ImportError):
        from fleet.verifiers.db import IgnoreConfig
        from fleet.verifiers.local_executor import contains_number, extract_numbers, normalized_contains

        names.update(
            normalized_contains=normalized_contains,
            extract_numbers=extract_numbers,
            contains_number=contains_number,
            IgnoreConfig=IgnoreConfig,
        )
    return names


def extract(bundle, work):
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise ValueError(f"the bundle has {len(entries)} entries; at most {MAX_ENTRIES} are allowed")
        if sum(e.file_size for e in entries) > MAX_EXTRACTED:
            raise ValueError(f"the bundle expands past {MAX_EXTRACTED} bytes")
        root = os.path.realpath(work) + os.sep
        for entry in entries:
            if not os.path.realpath(os.path.join(work, entry.filename)).startswith(root):
                raise ValueError(f"bundle entry escapes its directory: {entry.filename}")
        archive.extractall(work)


def limit(timeout):
    def cap(kind, value):
        resource.setrlimit(kind, (value, value))

    cap(resource.RLIMIT_CPU, timeout + 1)
    cap(resource.RLIMIT_AS, int(os.environ["FLOTILLA_MAX_MEMORY"]))
    cap(resource.RLIMIT_FSIZE, MAX_EXTRACTED)
    cap(resource.RLIMIT_NOFILE, 256)
    cap(resource.RLIMIT_NPROC, int(os.environ["FLOTILLA_MAX_PROCESSES"]))
    cap(resource.RLIMIT_CORE, 0)


def run(job, work, out, port):
    extract(base64.b64decode(job["bundle"]), work)
    source = os.path.join(work, "verifier.py")
    if not os.path.exists(source):
        raise FileNotFoundError("the bundle has no verifier.py")
    sys.path.insert(0, work)
    spec = importlib.util.spec_from_file_location("verifier", source)
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

    base = f"http://127.0.0.1:{port}"
    os.environ["RUNNER_AUTH_TOKEN"] = job["token"]
    env = fleet.Fleet(api_key="flotilla-runner", base_url=base).instance(f"{base}{job['manager_path']}")
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


def describe(exc):
    """An exception as the protocol's error object, each text cut to MAX_ERROR_TEXT characters."""

    def cut(text):
        return text if len(text) <= MAX_ERROR_TEXT else text[:MAX_ERROR_TEXT] + " [flotilla: cut]"

    try:
        message = str(exc)
    except BaseException:  # a __str__ that raises
        message = "(the exception could not be shown)"
    try:
        trace = traceback.format_exc()
    except BaseException:
        trace = ""
    return {"type": cut(type(exc).__name__), "message": cut(message), "traceback": cut(trace)}


def child(job, work, port, answer_fd):
    """The forked child: runs the verifier, writes its answer (JSON) to `answer_fd`, exits."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.chdir(work)
    out = CappedText()
    answer = {"success": False, "result": None, "error": None}
    try:
        limit(job["timeout"])
        answer["result"] = run(job, work, out, port)
        answer["success"] = True
    except BaseException as exc:  # the verifier's failure is data, not a crash
        answer["error"] = describe(exc)
    answer["stdout"] = out.text()
    try:
        size = len(json.dumps(answer["result"], default=repr, allow_nan=False))
        too_large = f"the verifier's result is {size} bytes of JSON; at most {MAX_RESULT} are kept"
        problem = ("ResultTooLarge", too_large) if size > MAX_RESULT else None
    except ValueError as exc:  # NaN or Infinity, which JSON cannot carry
        problem = ("ResultNotJson", f"the verifier's result cannot be written as JSON: {exc}")
    if problem:
        answer.update(success=False, result=None, error={"type": problem[0], "message": problem[1]})
    try:
        text = json.dumps(answer, default=repr)
    except BaseException as exc:  # e.g. a result nested too deep
        text = json.dumps({"success": False, "result": None, "stdout": answer["stdout"], "error": describe(exc)})
    with os.fdopen(answer_fd, "w") as f:
        f.write(text)
    os._exit(0)


def remove_ipc_objects():
    """Removes the SysV shared memory, message queues and semaphores a job left (the sandbox has
    its own IPC namespace, so all of them are the job's)."""
    libc = ctypes.CDLL(None, use_errno=True)
    IPC_RMID = 0
    for kind, remove in (
        ("shm", lambda i: libc.shmctl(i, IPC_RMID, None)),
        ("msg", lambda i: libc.msgctl(i, IPC_RMID, None)),
        ("sem", lambda i: libc.semctl(i, 0, IPC_RMID)),
    ):
        with contextlib.suppress(OSError, ValueError, IndexError):
            with open(f"/proc/sysvipc/{kind}") as table:
                for line in list(table)[1:]:
                    remove(int(line.split()[1]))


def remove_tree(path):
    """Removes `path` whatever its modes: a job may leave directories it made read-only."""
    for root, dirs, _ in os.walk(path):
        for d in dirs:
            with contextlib.suppress(OSError):
                os.chmod(os.path.join(root, d), 0o700, follow_symlinks=False)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o700, follow_symlinks=False)
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            os.unlink(path)


def sweep(work):
    """Kills whatever the job left running and removes what it wrote."""
    if SANDBOXED and os.getpid() != 1:
        # Alone in a pid namespace (bwrap is pid 1): every other process is the job's. kill(-1)
        # reaches them all at once, so none can fork its way past it; repeat until none is left.
        for _ in range(100):
            with contextlib.suppress(OSError):
                os.kill(-1, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                while os.waitpid(-1, os.WNOHANG)[0]:
                    pass
            if not [n for n in os.listdir("/proc") if n.isdigit() and int(n) not in (1, os.getpid())]:
                break
            time.sleep(0.01)
        remove_ipc_objects()
        for scratch in (SCRATCH, "/dev/shm"):
            for name in os.listdir(scratch):
                remove_tree(os.path.join(scratch, name))
    remove_tree(work)


def serve_one(job, port):
    work = tempfile.mkdtemp(prefix="job-", dir=SCRATCH)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            LISTENER.close()  # the relay's; a job must not take its connections
            os.close(read_end)
            os.setsid()
            child(job, work, port, write_end)
        finally:
            os._exit(1)  # never back into the worker's loop, whatever happened
    os.close(write_end)
    chunks, size = [], 0
    with os.fdopen(read_end, "rb") as f:
        while chunk := f.read(65536):
            size += len(chunk)
            if size > MAX_ANSWER:
                os.kill(pid, signal.SIGKILL)
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    sweep(work)
    try:
        return json.loads(b"".join(chunks))
    except ValueError:
        if os.WIFSIGNALED(status):
            why = f"was killed by signal {os.WTERMSIG(status)} ({signal.Signals(os.WTERMSIG(status)).name})"
        else:
            why = f"exited with status {os.WEXITSTATUS(status)}"
        message = f"the verifier process {why} without a result"
        return {"success": False, "result": None, "stdout": "", "error": {"type": "VerifierCrashed", "message": message}}


def untouchable():
    """Makes this process non-dumpable: a job's child (same user, no capabilities) can then neither
    ptrace it nor open its /proc files (memory, stdin, stdout), so no job can read or steer the
    jobs that come after it on this worker."""
    PR_SET_DUMPABLE = 4
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


LISTENER = socket.socket()


def main():
    untouchable()
    helpers()
    LISTENER.bind(("127.0.0.1", 0))
    LISTENER.listen(16)
    threading.Thread(target=relay, args=(LISTENER,), daemon=True).start()
    port = LISTENER.getsockname()[1]
    answers = sys.stdout.buffer
    answers.write(b'{"ready": true}\n')
    answers.flush()
    for line in sys.stdin.buffer:
        job = json.loads(line)
        # The server checks the nonce comes back: a line that is not this worker's answer to
        # this job (forged, or late) ends the worker.
        nonce = job.pop("nonce")
        answer = serve_one(job, port)
        answers.write(json.dumps({"nonce": nonce, "answer": answer}).encode() + b"\n")
        answers.flush()


if __name__ == "__main__":
    main()
