"""``desa smart_government import|export|sample-file``: the registry's file import (dry run unless --commit)
and export, for one village given explicitly with --tenant. The import runs as a job
(``smart_government.registry_import``) in this process, with the same runner as the worker: it
is recorded (``desa jobs list``) and all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from desacerdas import jobs
from desacerdas.jobs import labels
from desacerdas.kit import tabular
from desacerdas.models import Hamlet, JobState
from desacerdas.plugin_system.cli_support import village_for_plugin
from desacerdas.services import ServiceError
from desacerdas.tenancy import tenant_session

from .importing import sample
from .registry import exporting
from .registry import jobs as registry_jobs

PLUGIN = "smart_government"
SHOWN_PROBLEMS = 200


class _Bars:
    """Click progress bars (on stderr) fed by the job's progress: one bar per phase (checking,
    then writing), each as long as that phase's total."""

    LABELS = {registry_jobs.CHECKING: "Checking", registry_jobs.WRITING: "Importing"}

    def __init__(self) -> None:
        self.bar: Any = None
        self.phase: str | None = None

    def __call__(self, done: int, total: int | None, phase: str | None) -> None:
        if self.bar is None or phase != self.phase:
            self.close()
            self.phase = phase
            label = self.LABELS.get(phase or "", phase or "")
            self.bar = click.progressbar(length=max(total or 0, 1), label=label, file=sys.stderr)
            self.bar.__enter__()
        if total and total != self.bar.length:
            self.bar.length = total
        self.bar.update(max(done - self.bar.pos, 0))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.update(max(self.bar.length - self.bar.pos, 0))
            self.bar.__exit__(None, None, None)
            self.bar = None


def _summary(report: dict[str, Any]) -> str:
    r, f = report["residents"], report["families"]
    return (
        f"{report['rows']} rows ({report['layout']} layout): residents {r['create']} to create, "
        f"{r['update']} to update, {r['skip']} unchanged; families {f['create']} to create, "
        f"{f['update']} to update, {f['skip']} unchanged; {report['problem_count']} problem(s)"
    )


def _run(tenant: Any, file: Path, params: dict[str, Any]) -> Any:
    """Run an import job here (``run_inline``: the worker's runner without the broker)."""
    job = jobs.record(tenant, registry_jobs.IMPORT, {"path": str(file.resolve()), **params})
    bars = _Bars()
    try:
        job = jobs.run_inline(tenant, job, on_progress=bars)
    finally:
        bars.close()
    if job.state != JobState.DONE:
        raise click.ClickException(labels.error_text(job) or job.error or "")
    return job


def _show(report: dict[str, Any]) -> None:
    for problem in report["problems"][:SHOWN_PROBLEMS]:
        column = f" [{problem['column']}]" if problem["column"] else ""
        click.echo(f"row {problem['row']}{column}: {problem['message']}")
    if report["problem_count"] > SHOWN_PROBLEMS:
        click.echo(f"… and {report['problem_count'] - SHOWN_PROBLEMS} more problem(s)")
    click.echo(f"Dry run: {_summary(report)}")


def group() -> click.Group:
    @click.group()
    def smart_government() -> None:
        """Population registry: import and export residents."""

    @smart_government.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--tenant", "slug", required=True, help="The village's slug.")
    @click.option("--commit", is_flag=True, help="Write the import (all or nothing); without it, a dry run.")
    @with_appcontext
    def import_(file: Path, slug: str, commit: bool) -> None:
        """Import residents and families from FILE (.csv or .xlsx; platform template or SIAK)."""
        tenant = village_for_plugin(PLUGIN, slug)
        check = _run(tenant, file, {"dry_run": True})
        report = check.result or {}
        _show(report)
        if not report["ok"]:
            raise click.ClickException("Nothing imported: fix the problems above first.")
        if not commit:
            click.echo("Nothing written. Run again with --commit to import.")
            return
        done = _run(tenant, file, {"dry_run": False, "checked": str(check.id)}).result or {}
        r = done["residents"]
        click.echo(
            f"Imported into {tenant.name}: {r['create']} created, {r['update']} updated, "
            f"{r['skip']} unchanged."
        )

    @smart_government.command("export")
    @click.option("--tenant", "slug", required=True, help="The village's slug.")
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(tabular.FORMATS),
        default=None,
        help="csv or xlsx; by default the one the output's name says (.csv, .xlsx; no extension: csv).",
    )
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
    @with_appcontext
    def export(slug: str, fmt: str | None, output: Path) -> None:
        """Export the village's residents in the platform template (imports back unchanged)."""
        tenant = village_for_plugin(PLUGIN, slug)
        try:
            fmt = tabular.format_for_path(output, fmt, default=tabular.CSV)
            with tenant_session(tenant.id) as session:
                count = exporting.export(session, output, fmt)
        except ServiceError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(f"Exported {count} residents of {tenant.name} to {output}.")

    @smart_government.command("sample-file")
    @click.option("--tenant", "slug", required=True, help="The village's slug.")
    @click.option("--rows", type=click.IntRange(1, 1_000_000), default=5000, show_default=True)
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
    @with_appcontext
    def sample_file(slug: str, rows: int, output: Path) -> None:
        """Write a sample import file (CSV) in the village's kecamatan and hamlets, to try the import."""
        tenant = village_for_plugin(PLUGIN, slug)
        with tenant_session(tenant.id) as session:
            hamlets = list(session.scalars(select(Hamlet.name).order_by(Hamlet.name)))
        sample.write(output, rows, sample.district_of(tenant.code), hamlets)
        click.echo(f"Wrote {rows} sample residents of {tenant.name} to {output}.")

    return smart_government
