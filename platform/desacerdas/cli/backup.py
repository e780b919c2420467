"""``desa backup OUT_DIR`` and ``desa restore BACKUP_DIR``: whole-instance backups that restore."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..services import backup as svc
from ._util import service_errors


@click.command("backup")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
@service_errors
def backup(out_dir: Path) -> None:
    """Back up the database (pg_dump / SQLite backup API) and every stored object into OUT_DIR,
    with a manifest.json of SHA-256 hashes and row counts. OUT_DIR must not exist or be empty."""
    result = svc.create_backup(current_app._get_current_object(), out_dir)
    rows = sum(result.tables.values())
    click.echo(
        f"Backup written to {result.path}: {len(result.tables)} tables, {rows} rows, "
        f"{result.objects} objects, {result.bytes} bytes."
    )


@click.command("restore")
@click.argument("backup_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--verify-only", is_flag=True, help="Only check the backup's files against its manifest.")
@with_appcontext
@service_errors
def restore(backup_dir: Path, verify_only: bool) -> None:
    """Restore BACKUP_DIR into this instance's EMPTY database and storage (all or nothing).

    Refuses a database that has tables (do not run `desa db upgrade` first) or storage that holds
    objects. Every hash is checked before anything is written."""
    if verify_only:
        manifest = svc.verify_backup(backup_dir)
        click.echo(f"Backup is intact: {len(manifest['tables'])} tables, {len(manifest['objects'])} objects.")
        return
    db.session.remove()
    db.engine.dispose()
    result = svc.restore_backup(current_app._get_current_object(), backup_dir)
    click.echo(
        f"Restored {len(result.tables)} tables ({sum(result.tables.values())} rows) and "
        f"{result.objects} objects; row counts and hashes verified."
    )
