"""``desa bundle export SLUG -o FILE.zip`` and ``desa bundle import FILE.zip``: move one village."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..services import village_bundle as svc
from ._util import service_errors

group = click.Group("bundle", help="One village's export bundle: all its rows and documents, to move it.")


@group.command("export")
@click.argument("slug")
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
@service_errors
def export(slug: str, out: Path) -> None:
    """Write every row and document of village SLUG (plugins' tables included) to a zip file."""
    manifest = svc.export_bundle(current_app._get_current_object(), slug, out)
    click.echo(
        f"Bundle of {slug} written to {out}: {sum(manifest['rows'].values())} rows in "
        f"{len(manifest['rows'])} tables, {len(manifest['objects'])} objects."
    )


@group.command("import")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", help="Import the village under another slug.")
@with_appcontext
@service_errors
def import_(bundle: Path, slug: str | None) -> None:
    """Load a bundle as a new village: new keys, every reference remapped, all or nothing."""
    result = svc.import_bundle(current_app._get_current_object(), bundle, slug=slug)
    db.session.remove()
    click.echo(
        f"Imported village {result.slug}: {sum(result.rows.values())} rows, {result.objects} objects, "
        f"{result.users_created} users created, {result.users_matched} matched."
    )
