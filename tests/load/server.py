"""The production server (granian, as the README's production section runs it) on a fixed
port, which the load tests can kill with SIGKILL and start again.

The server runs in a process group of its own, so one ``killpg`` takes the main process and
every worker down at once, mid-request, as a power cut would. It restarts on the same database
and the same port, so clients only see refused connections until it is back.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import TEST_SECRET

ROOT_DIR = Path(__file__).resolve().parents[2]
# Transient failures a client retries with the same request and key: the server went away.
NETWORK_ERRORS = (OSError, http.client.HTTPException)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def workers_for(database_url: str) -> int:
    """Four workers on PostgreSQL, two on SQLite (one writer at a time there anyway)."""
    return 2 if database_url.startswith("sqlite") else 4


def server_command(address: str, workers: int) -> list[str]:
    """``granian --interface wsgi wsgi:app`` as production runs it (README: Production)."""
    host, port = address.rsplit(":", 1)
    return [
        *(sys.executable, "-m", "granian", "--interface", "wsgi", "--workers", str(workers)),
        *("--blocking-threads", "1", "--host", host, "--port", port),
        *("--log-level", "warning", "wsgi:app"),
    ]


class Server:
    """granian ``wsgi:app`` on ``database_url``; ``kill`` and ``start`` as often as wanted."""

    def __init__(self, database_url: str, log_path: Path):
        self.database_url = database_url
        self.workers = workers_for(database_url)
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.environment: dict[str, str] = {}  # settings of the test's own, over the defaults

    def start(self) -> None:
        env = {
            **os.environ,
            "SECRET_KEY": TEST_SECRET,
            "DATABASE_URL": self.database_url,
            "POINTSMART_ENV": "production",
            "PUBLIC_BASE_URL": "https://jifen.example.test",
            # Several workers: production wants their sign-in counters in a shared store.
            "REDIS_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/12"),
            **self.environment,
        }
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                server_command(self.address, self.workers),
                cwd=ROOT_DIR,
                env=env,
                stdout=log,
                stderr=log,
                start_new_session=True,  # its own process group: killed as one
            )
        self.starts += 1
        self.wait_until_ready()

    def wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                status, _, _ = request(self.address, "GET", "/api/v1/openapi.json", timeout=5)
                if status == 200:
                    return
            except NETWORK_ERRORS:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"the server did not start:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL to the server and all its workers at once; no cleanup runs."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """Quick shutdown (SIGINT); whatever still runs after five seconds is killed."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
        # Workers orphaned by a slow main process must not outlive the test.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@contextlib.contextmanager
def serving(app, folder: Path, *, workers: int | None = None, **environment: str):
    """The production server on ``app``'s database while the block runs; yields its address.
    ``environment``: settings of the test's own (``PROXY_COUNT="1"``, say)."""
    running = Server(app.config["SQLALCHEMY_DATABASE_URI"], folder / "server.log")
    if workers is not None:
        running.workers = workers
    running.environment = environment
    running.start()
    try:
        yield running.address
    finally:
        running.stop()


def request(
    address: str,
    method: str,
    path: str,
    body=None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], object]:
    """One request on a new connection: (status, headers, decoded JSON body or None)."""
    host, port = address.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        headers = dict(headers or {})
        if body is not None:
            headers["Content-Type"] = "application/json"
        connection.request(
            method, path, body=json.dumps(body) if body is not None else None, headers=headers
        )
        response = connection.getresponse()
        data = response.read()
        answer_headers = {name.lower(): value for name, value in response.getheaders()}
        try:
            decoded = json.loads(data) if data else None
        except ValueError:
            decoded = data.decode(errors="replace")
        return response.status, answer_headers, decoded
    finally:
        connection.close()
