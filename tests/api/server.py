"""The real HTTP server (``recommender serve``) in a subprocess, for tests that need a process
to stop or kill.

    with running_server(db_url) as server:
        r = server.request("GET", "/readyz")
        server.kill()                      # SIGKILL, like the OOM killer or a power cut

``running_server`` starts the server on a free port, waits (polling, with a deadline) until
``/readyz`` answers 200, and on exit always kills the process if it still runs, whatever
happened in the block. The server's output goes to a temporary file whose tail is shown
when the server fails to start. Requests use the standard library only (``http.client``),
one connection per request, so any number of threads can use the same ``Server``.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parents[2]
POLL_S = 0.05


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class ServerFailed(RuntimeError):
    """The server did not become ready, or exited when it should not have."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    host: str
    port: int
    _log: IO[bytes]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def request(self, method: str, path: str, json_body: Any = None, *, body: bytes | None = None,
                headers: Mapping[str, str] | None = None, timeout: float = 30.0) -> Reply:
        """One request on a new connection; connection errors propagate (``OSError``,
        ``http.client.HTTPException``) so a caller can tell "no answer" from an answer."""
        hdrs = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            conn.close()

    def log(self, tail: int = 4000) -> str:
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-tail:]

    def wait_ready(self, timeout: float = 60.0) -> Reply:
        """Poll ``/readyz`` until it answers 200; fail early if the process exits."""
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while True:
            if self.process.poll() is not None:
                raise ServerFailed(f"the server exited with {self.process.returncode} before it was ready:\n{self.log()}")
            try:
                r = self.request("GET", "/readyz", timeout=5)
                if r.status == 200:
                    return r
                last = f"{r.status} {r.text[:300]}"
            except (OSError, http.client.HTTPException) as exc:
                last = f"{type(exc).__name__}: {exc}"
            if time.monotonic() > deadline:
                raise ServerFailed(f"not ready after {timeout:.0f}s (last: {last}):\n{self.log()}")
            try:
                self.process.wait(timeout=POLL_S)  # the pause between polls, which also notices an exit
            except subprocess.TimeoutExpired:
                pass

    def kill(self, timeout: float = 30.0) -> int:
        """SIGKILL: no shutdown handler runs, nothing is flushed by the process itself."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        return self.process.wait(timeout=timeout)

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM, the orchestrator's stop: uvicorn finishes the requests in flight, runs the
        shutdown and exits (re-raising the signal, so the code is ``-SIGTERM``). Returns the
        exit code; fails if the process has not exited by ``timeout``."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ServerFailed(f"the server did not exit within {timeout:.0f}s of SIGTERM:\n{self.log()}") from None


@contextmanager
def running_server(database_url: str, *, env: Mapping[str, str] | None = None, args: tuple[str, ...] = (), quiet: bool = True,
                   ready_timeout: float = 60.0, attempts: int = 3) -> Iterator[Server]:
    """Start ``python -m recommender.cli serve`` on ``database_url`` (no encoder; ``quiet``:
    warnings only, else uvicorn's start and shutdown lines too) and yield it once ``/readyz``
    is 200. The process is killed on exit if it still runs.

    A free port is picked by binding port 0 and releasing it; if another process takes it
    before the server binds, the start is retried on a new port (``attempts`` times)."""
    for attempt in range(attempts):
        port = free_port()
        cmd = [sys.executable, "-m", "recommender.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--encoder", "none", *(["--quiet"] if quiet else []), *args]
        full_env = {**os.environ, "DATABASE_URL": database_url, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", **(env or {})}
        log = tempfile.TemporaryFile()
        process = subprocess.Popen(cmd, cwd=REPO_ROOT, env=full_env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        server = Server(process, "127.0.0.1", port, log)
        try:
            try:
                server.wait_ready(ready_timeout)
            except ServerFailed:
                if process.poll() is not None and "address already in use" in server.log().lower() and attempt + 1 < attempts:
                    continue
                raise
            yield server
            return
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
            log.close()
