"""A real Celery worker process for the jobs tests, on the test database and a broker of the test's
choice; always stopped by the fixture that starts it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BROKERS = ["filesystem"] + (["env"] if os.environ.get("DESA_TEST_BROKER_URL") else [])


def broker_url(kind: str, tmp: Path) -> str:
    if kind == "filesystem":
        return f"filesystem://{tmp / 'broker'}"
    return os.environ["DESA_TEST_BROKER_URL"]


class Worker:
    """``celery -A desacerdas.jobs.worker worker --pool=solo`` consuming one queue of its own."""

    def __init__(self, app_config: dict, broker: str, queue: str, tmp: Path) -> None:
        self.broker, self.queue, self.tmp = broker, queue, tmp
        self.log = tmp / f"worker-{uuid.uuid4().hex[:6]}.log"
        self.env = {
            **os.environ,
            "DESA_ENV": "testing",
            "DESA_DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
            "DESA_INSTANCE_PATH": str(tmp / "worker-instance"),
            "DESA_BROKER_URL": broker,
            "DESA_STORAGE_URL": app_config.get("STORAGE_URL") or f"file://{tmp / 'documents'}",
            "DESA_DEFAULT_LOCALE": "en",
            "DESA_JOB_STALE_MINUTES": "10",
            "PYTHONPATH": os.pathsep.join([str(REPO / "tests"), os.environ.get("PYTHONPATH", "")]),
        }
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Worker:
        args = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "desacerdas.jobs.worker",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-I",
            "jobs.kinds",
            "-Q",
            self.queue,
            "-n",
            f"{self.queue}@%h",
            "--loglevel=INFO",
        ]
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                args, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=self.tmp
            )  # noqa: S603
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the worker exited: {self.output()}")
            if " ready." in self.output():
                return self
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"the worker did not start: {self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL: the worker dies at once, in the middle of whatever it does."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # warm shutdown; on RabbitMQ it may linger closing its connection
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.kill()


def wait_for(predicate, timeout: float = 30, every: float = 0.2):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("timed out waiting")


def queue_app(request, db_urls, tmp_path_factory, prefix: str):  # noqa: ANN001, ANN201
    """A generator for a module fixture: an app that queues jobs (not eager) on the broker of
    ``request.param``, into a queue of its own; at teardown the broker forgets that queue."""
    from conftest import make_app

    tmp = tmp_path_factory.mktemp("broker")
    app = make_app(db_urls, tmp_path_factory, JOBS_EAGER=False, BROKER_URL=broker_url(request.param, tmp))
    queue = f"{prefix}-{uuid.uuid4().hex[:8]}"
    celery = app.extensions["celery"]
    celery.conf.task_default_queue = queue
    app.config["_test_tmp"], app.config["_test_queue"] = tmp, queue
    yield app
    if request.param != "filesystem":
        forget_queue(celery, queue)


def forget_queue(celery, queue: str) -> None:  # noqa: ANN001
    """Delete the test's queue and exchange, and on Redis the messages of killed workers that wait,
    unacknowledged, to be restored into it (kombu's ``unacked`` hash and ``unacked_index``)."""
    try:
        with celery.connection_for_write() as conn:
            channel = conn.default_channel
            if conn.transport.driver_type == "redis":
                _forget_redis(channel.client, queue)
            else:
                channel.queue_delete(queue)
                channel.exchange_delete(queue)
    except Exception as exc:  # noqa: BLE001 - reported, not raised: the tests themselves passed
        print(f"broker cleanup of {queue} failed: {exc}")  # noqa: T201


def _forget_redis(client, queue: str) -> None:  # noqa: ANN001
    import json

    for tag, raw in client.hgetall("unacked").items():
        try:
            _message, _exchange, routing_key = json.loads(raw)
        except (ValueError, TypeError):
            continue
        if routing_key == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    for priority in range(1, 10):  # kombu's priority sub-queues: "<queue>\x06\x16<n>"
        client.delete(f"{queue}\x06\x16{priority}")
