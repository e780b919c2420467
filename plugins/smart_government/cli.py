"""``desa smart_government import|export``: the registry's file import (dry run unless --commit)
and export, for one village given explicitly with --tenant."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask.cli import with_appcontext

from desacerdas.kit import tabular
from desacerdas.plugin_system.cli_support import village_for_plugin
from desacerdas.services import ServiceError
from desacerdas.tenancy import tenant_session

from . import importing
from .registry import exporting

PLUGIN = "smart_government"
SHOWN_PROBLEMS = 200


@contextmanager
def _bar(length: int | None, label: str) -> Iterator[Callable[[int], None]]:
    """A click progress bar (on stderr) fed with "rows done so far" by the import's progress calls."""
    with click.progressbar(length=max(length or 0, 1), label=label, file=sys.stderr) as bar:

        def advance(rows: int) -> None:
            bar.update(max(rows - bar.pos, 0))

        yield advance
        bar.update(max(bar.length - bar.pos, 0))


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
        with tenant_session(tenant.id) as session:
            try:
                estimate = importing.estimate_rows(file, file.name)
                with _bar(estimate, "Checking") as advance:
                    report = importing.plan_import(session, tenant, file, file.name, progress=advance)
            except ServiceError as exc:
                raise click.ClickException(exc.message) from None
            for problem in report.problems[:SHOWN_PROBLEMS]:
                column = f" [{problem.column}]" if problem.column else ""
                click.echo(f"row {problem.row}{column}: {problem.message}")
            if report.problem_count > SHOWN_PROBLEMS:
                click.echo(f"… and {report.problem_count - SHOWN_PROBLEMS} more problem(s)")
            click.echo(f"Dry run: {report.summary()}")
            if not report.ok:
                raise click.ClickException("Nothing imported: fix the problems above first.")
            if not commit:
                click.echo("Nothing written. Run again with --commit to import.")
                return
            try:
                with _bar(report.rows, "Importing") as advance:
                    done = importing.commit_import(
                        session, tenant, file, file.name, plan=report, progress=advance
                    )
            except ServiceError as exc:
                raise click.ClickException(exc.message) from None
            click.echo(
                f"Imported into {tenant.name}: {done.residents.create} created, "
                f"{done.residents.update} updated, {done.residents.skip} unchanged."
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

    return smart_government
