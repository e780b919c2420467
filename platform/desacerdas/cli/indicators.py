"""``desa indicators snapshot``: store this month's (or a given month's) indicators of villages.

Run it monthly, or daily (it is idempotent: a second run for a month updates that month's rows),
from cron or a platform job::

    desa indicators snapshot --all                     # every active village, this month
    desa indicators snapshot --tenant menanga --period 2025-03

``--all`` skips suspended and archived villages and says how many; ``--tenant`` refuses an archived
village. A village whose plugins fail is reported and the others still run; the exit code is then 1.
"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..extensions import db
from ..kit import snapshots
from ..models import Tenant, TenantStatus
from ..services import ServiceError
from ..services import tenants as tenant_svc
from ._util import service_errors

group = click.Group("indicators", help="Village indicators: monthly snapshots for the trends.")


def _villages(slug: str | None, everyone: bool) -> tuple[list[Tenant], int]:
    """The villages to snapshot and how many were skipped (suspended or archived, with --all)."""
    if slug:
        tenant = tenant_svc.get_by_slug(slug)
        if tenant.status == TenantStatus.ARCHIVED:
            raise ServiceError(f"{tenant.name} is archived: no snapshot is taken.", "archived")
        return [tenant], 0
    every = list(db.session.scalars(select(Tenant).order_by(Tenant.code)))
    active = [t for t in every if t.status == TenantStatus.ACTIVE]
    return active, len(every) - len(active) if everyone else 0


@group.command("snapshot")
@click.option("--period", help="The month, YYYY-MM (default: this month).")
@click.option("--tenant", "slug", help="One village's slug.")
@click.option(
    "--all", "everyone", is_flag=True, help="Every active village (suspended and archived are skipped)."
)
@with_appcontext
@service_errors
def snapshot(period: str | None, slug: str | None, everyone: bool) -> None:
    """Store the indicators of one village (--tenant) or of every active village (--all)."""
    if bool(slug) == everyone:
        raise click.UsageError("Give either --tenant SLUG or --all.")
    period = snapshots.parse_period(period)
    tenants, skipped = _villages(slug, everyone)
    stored, failed = 0, []
    with click.progressbar(tenants, label=f"Snapshot {period}", file=sys.stderr) as bar:
        for tenant in bar:
            try:
                stored += snapshots.take(tenant, period)
            except Exception as exc:  # noqa: BLE001 - one village's broken plugin must not stop the rest
                failed.append(f"{tenant.slug}: {type(exc).__name__}: {exc}")
    click.echo(f"Snapshot {period}: {stored} indicators of {len(tenants) - len(failed)} village(s) stored.")
    if skipped:
        click.echo(f"Skipped {skipped} suspended or archived village(s).")
    if failed:
        for line in failed:
            click.echo(f"Failed: {line}", err=True)
        raise click.ClickException(f"{len(failed)} village(s) failed; the others were stored.")
