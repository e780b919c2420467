"""Outbox throughput of one real worker, and what ``notify()`` adds to the request that calls it.

Starts the local WhatsApp Cloud API server (``desacerdas.testing.providers``) and ONE Celery worker
process (``celery -A desacerdas.jobs.worker worker --pool=solo``) on the filesystem broker in a temp
folder, with a temp SQLite database migrated by ``desacerdas.testing.support``.

1. Throughput: ``--messages`` notifications committed in one transaction, handed to the broker after
   the commit, delivered by the worker to the local provider; messages/s from the commit to the last
   row marked sent (and the steady rate between the first and last send), plus a check that the
   provider saw exactly one request per message.
2. Added latency: a Flask test request that makes a change (an audit event) and commits, with and
   without a ``notify()`` in the same transaction (inbox row + a queued WhatsApp row + the broker
   hand-off after commit), in interleaved rounds; p50/p95 of each and the ratio. The worker is
   stopped first, so the two variants do not compete with it for SQLite's single writer.

    .venv/bin/python bench/notifications.py [--messages 500] [--requests 1000] [--rounds 10] [--keep]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from desacerdas.notifications.kinds import NotificationKind, register_kind

KIND = NotificationKind(  # imported by the worker too (``--include notifications``)
    key="bench.letter_ready",
    title="Letter ready (benchmark)",
    audience="resident",
    channels=("whatsapp",),
    templates={
        "en": {"subject": "Your letter is ready", "body": "Hello {{ name }}, your {{ letter }} is ready."},
        "id": {"subject": "Surat Anda siap", "body": "Halo {{ name }}, {{ letter }} Anda sudah siap."},
    },
    whatsapp_template="letter_issued",
    whatsapp_params=("name", "letter"),
)
register_kind(KIND)

HERE = Path(__file__).resolve().parent
RECIPIENTS = 10
DATA = {"name": "Made", "letter": "Surat Keterangan Domisili"}


def environment(root: Path, provider_config: dict) -> dict[str, str]:
    """``DESA_*`` variables the app and the worker are built from."""
    env = {
        "DESA_ENV": "development",
        "DESA_INSTANCE_PATH": str(root / "instance"),
        "DESA_DATABASE_URL": f"sqlite:///{root / 'bench.db'}",
        "DESA_BROKER_URL": f"filesystem://{root / 'broker'}",
        "DESA_NOTIFY_DAILY_CAP": "100000000",
        "DESA_DEFAULT_LOCALE": "en",
    }
    env.update({f"DESA_{key}": str(value) for key, value in provider_config.items()})
    return env


def build(root: Path, env: dict[str, str]):  # noqa: ANN201
    """The in-process app (same settings as the worker), migrated, with one village whose
    recipients have a verified, opted-in WhatsApp number."""
    from desacerdas.app import create_app
    from desacerdas.extensions import db
    from desacerdas.models.notification import ConsentHow, NotificationChannel, UserContact
    from desacerdas.testing import support

    os.environ.update(env)
    (root / "instance").mkdir(parents=True, exist_ok=True)
    app = create_app({"DISCOVER_PLUGINS": False, "SERVER_NAME": "localhost"})
    support.migrate(app)
    village = support.make_village(app, support.MENANGA)
    people = [support.make_user(app, None, village) for _ in range(RECIPIENTS)]
    now = datetime.now(UTC)
    with app.app_context():
        for i, person in enumerate(people):
            db.session.add(
                UserContact(
                    user_id=person.id,
                    channel=NotificationChannel.WHATSAPP,
                    address=f"+62812345{i:05d}",
                    verified_at=now,
                    opted_in_at=now,
                    opt_in_how=ConsentHow.WEB,
                )
            )
        db.session.commit()
    return app, village, [p.id for p in people]


def start_worker(root: Path, env: dict[str, str]) -> tuple[subprocess.Popen, Path]:
    log = root / "worker.log"
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A",
        "desacerdas.jobs.worker",
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        "--without-heartbeat",
        "--without-mingle",
        "--without-gossip",
        "--include",
        "notifications",  # this file: the bench's notification kind
    ]
    full_env = {
        **os.environ,
        **env,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    with log.open("wb") as out:  # the worker keeps its own copy of the handle
        process = subprocess.Popen(  # noqa: S603 - our own worker command
            command, env=full_env, stdout=out, stderr=subprocess.STDOUT, cwd=root
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the worker exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        if " ready." in log.read_text(errors="replace"):
            return process, log
        time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the worker did not start within 60 s:\n{log.read_text()[-3000:]}")


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _counts(app, village_id: int, batch: str) -> tuple[int, int, list]:  # noqa: ANN001
    from sqlalchemy import select

    from desacerdas.models.notification import Notification, NotificationChannel, NotificationStatus
    from desacerdas.tenancy import tenant_session

    done = (NotificationStatus.SENT, NotificationStatus.DELIVERED, NotificationStatus.READ)
    with app.app_context(), tenant_session(village_id) as session:
        rows = session.execute(
            select(Notification.status, Notification.sent_at).where(
                Notification.channel == NotificationChannel.WHATSAPP,
                Notification.idempotency_key.like(f"{batch}:%"),
            )
        ).all()
    sent = [at for status, at in rows if status in done]
    failed = sum(1 for status, _ in rows if status == NotificationStatus.FAILED)
    return len(sent), failed, sent


def throughput(app, village, recipients: list[int], providers, n: int) -> None:  # noqa: ANN001
    from desacerdas.extensions import db
    from desacerdas.models import Tenant, User
    from desacerdas.notifications import notify
    from desacerdas.tenancy import tenant_session

    providers.reset()
    batch = f"bench-{uuid.uuid4().hex[:8]}"
    with app.app_context(), tenant_session(village.id) as session:
        tenant = session.get(Tenant, village.id)
        users = [db.session.get(User, uid) for uid in recipients]
        for i in range(n):
            notify(session, tenant, users[i % len(users)], KIND.key, DATA, key=f"{batch}:{i}")
        start = time.perf_counter()
        session.commit()  # after commit: n deliveries handed to the broker
        queued = time.perf_counter()
    deadline = time.monotonic() + max(120, n / 2)
    sent = failed = 0
    times: list = []
    while time.monotonic() < deadline:
        sent, failed, times = _counts(app, village.id, batch)
        if sent + failed >= n:
            break
        time.sleep(0.05)
    end = time.perf_counter()
    requests = len(providers.whatsapp_requests())
    print(f"outbox: {n} messages, hand-off to the broker after commit {1000 * (queued - start):.0f} ms")
    print(f"  delivered {sent}, failed {failed}, provider requests {requests} (one each: {requests == n})")
    print(f"  throughput from commit to last sent: {sent / (end - start):.1f} messages/s")
    if len(times) > 1:
        span = (max(times) - min(times)).total_seconds()
        if span > 0:
            print(f"  steady rate, first to last send:   {(len(times) - 1) / span:.1f} messages/s")


def add_change_route(app, user_id: int) -> None:  # noqa: ANN001
    """``POST /bench/change/<village>[?notify=1]``: one audit event, optionally one notify()."""
    from flask import request

    from desacerdas.extensions import csrf
    from desacerdas.models import Tenant, User
    from desacerdas.notifications import notify
    from desacerdas.services import audit
    from desacerdas.tenancy import tenant_session

    def change(village_id: int) -> tuple[str, int]:
        with tenant_session(village_id) as session:
            tenant = session.get(Tenant, village_id)
            user = session.get(User, user_id)  # both variants: a real request has its user loaded
            audit.record("bench.change", actor=user, tenant_id=village_id, target="bench", session=session)
            if request.args.get("notify"):
                notify(session, tenant, user, KIND.key, DATA, key=f"bench:{uuid.uuid4()}")
            session.commit()
        return "", 204

    app.add_url_rule("/bench/change/<int:village_id>", "bench_change", csrf.exempt(change), methods=["POST"])


def latency(app, village, requests: int, rounds: int) -> None:  # noqa: ANN001
    client = app.test_client()
    paths = {
        "without": f"/bench/change/{village.id}",
        "with notify()": f"/bench/change/{village.id}?notify=1",
    }
    for path in paths.values():  # warm caches
        for _ in range(30):
            response = client.post(path)
            assert response.status_code == 204, (path, response.status_code, response.get_data()[:300])
    times: dict[str, list[float]] = {label: [] for label in paths}
    per_round = max(1, requests // rounds)
    for _ in range(rounds):
        for label, path in paths.items():
            for _ in range(per_round):
                start = time.perf_counter()
                client.post(path)
                times[label].append((time.perf_counter() - start) * 1000)
    print(f"request latency, {rounds} interleaved rounds x {per_round} requests each:")
    print(f"  {'request':<16} {'p50 ms':>8} {'p95 ms':>8}")
    p50s = {}
    for label, values in times.items():
        p50s[label] = statistics.median(values)
        p95 = statistics.quantiles(values, n=20)[18]
        print(f"  {label:<16} {p50s[label]:>8.3f} {p95:>8.3f}")
    added = p50s["with notify()"] - p50s["without"]
    ratio = p50s["with notify()"] / p50s["without"]
    print(f"  notify() adds {added:.3f} ms at p50 (ratio {ratio:.2f}x; goal < 2 ms)")


def main() -> None:
    from desacerdas.testing.providers import ProviderServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the provider server's request log
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (database, worker log)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="desa-bench-notify-"))
    try:
        with ProviderServer() as providers:
            env = environment(root, providers.config())
            app, village, recipients = build(root, env)
            add_change_route(app, recipients[0])
            worker, log = start_worker(root, env)
            try:
                throughput(app, village, recipients, providers, min(20, args.messages))  # warm-up
                throughput(app, village, recipients, providers, args.messages)
            finally:
                stop_worker(worker)
            latency(app, village, args.requests, args.rounds)
            _dispose(app)
    finally:
        if args.keep:
            print(f"(temp folder kept: {root})")
        else:
            shutil.rmtree(root, ignore_errors=True)


def _dispose(app) -> None:  # noqa: ANN001
    """Close the bench app's database connections before its folder goes."""
    from desacerdas.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
