"""``desa smart_society aid-import|aid-export``: a ministry's recipient list into a programme (a dry
run unless --apply) and a programme's list out, for one village given explicitly with --tenant.

The import acts as a person (``--as EMAIL``, a staff member with ``smart_society.aid.manage``;
by default the platform's only administrator): the rights, the audit trail and the recipients'
timeline name them, as when the list is imported on the page."""

from __future__ import annotations

import uuid
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from desacerdas.kit import tabular
from desacerdas.models import Membership, Role, Tenant, User
from desacerdas.plugin_system.cli_support import village_for_plugin
from desacerdas.services import ServiceError
from desacerdas.services.users import find_by_login
from desacerdas.tenancy import tenant_session

from . import importing, service
from .importing import Outcome

PLUGIN = "smart_society"
SHOWN_ROWS = 200


def _acting(session: Session, login: str | None) -> User:
    """The user the import acts as: ``--as``, else the platform's only administrator."""
    if login:
        user = find_by_login(login, session=session)
        if user is None or not user.active:
            raise click.ClickException(f"No active account {login}.")
        return user
    admins = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.role == Role.PLATFORM_ADMIN, User.active.is_(True))
        .distinct()
    ).all()
    if len(admins) != 1:
        raise click.ClickException("Say who imports the list with --as EMAIL (a staff member).")
    return admins[0]


def _programme(session: Session, tenant: Tenant, user: User | None, programme_id: str):  # noqa: ANN202
    try:
        key = uuid.UUID(programme_id)
    except ValueError:
        raise click.ClickException(f"{programme_id} is not a programme id (a UUID).") from None
    if user is not None:
        return service.get_programme(session, tenant, user, key)
    from .models import AidProgramme

    programme = session.get(AidProgramme, (tenant.id, key))
    if programme is None:
        raise click.ClickException(f"No aid programme {programme_id} in {tenant.name}.")
    return programme


def _table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _show(result: importing.ImportResult) -> None:
    _table([("outcome", "rows"), *((k, str(v)) for k, v in result.summary.items())])
    problems = [r for r in result.rows if r.outcome != Outcome.IMPORTED]
    if problems:
        click.echo("")
        _table(
            [
                ("line", "NIK", "name", "outcome", "detail"),
                *(
                    (str(r.line), r.nik, r.name or "", r.outcome.value, r.detail)
                    for r in problems[:SHOWN_ROWS]
                ),
            ]
        )
        if len(problems) > SHOWN_ROWS:
            click.echo(f"… and {len(problems) - SHOWN_ROWS} more row(s) not imported")


def group() -> click.Group:
    @click.group()
    def smart_society() -> None:
        """Social aid: import a ministry's recipient list, export a programme's list."""

    @smart_society.command("aid-import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--tenant", "slug", required=True, help="The village's slug.")
    @click.option("--programme", "programme_id", required=True, help="The programme's id (UUID).")
    @click.option("--apply", is_flag=True, help="Import the rows that can be; without it, a dry run.")
    @click.option("--as", "login", default=None, help="Act as this staff member (e-mail).")
    @with_appcontext
    def aid_import(file: Path, slug: str, programme_id: str, apply: bool, login: str | None) -> None:
        """Check (and with --apply import) FILE, a CSV or XLSX list with a NIK column."""
        tenant = village_for_plugin(PLUGIN, slug)
        with tenant_session(tenant.id) as session:
            try:
                tenant = session.get(Tenant, tenant.id)
                user = _acting(session, login)
                programme = _programme(session, tenant, user, programme_id)
                with file.open("rb") as stream:
                    result = importing.import_list(
                        session, tenant, user, programme, stream, file.name, dry_run=not apply
                    )
                # A dry run writes nothing but the audit events of its cross-village checks.
                session.commit()
            except ServiceError as exc:
                session.rollback()
                raise click.ClickException(exc.message) from None
            click.echo(f"{'Imported into' if apply else 'Dry run for'} {programme.name} ({tenant.name}):")
            _show(result)
        if not apply:
            click.echo("Nothing written. Run again with --apply to import.")
        else:
            click.echo(f"{result.count(Outcome.IMPORTED)} recipient(s) imported.")

    @smart_society.command("aid-export")
    @click.argument("outfile", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--tenant", "slug", required=True, help="The village's slug.")
    @click.option("--programme", "programme_id", required=True, help="The programme's id (UUID).")
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(tabular.FORMATS),
        default=None,
        help="csv or xlsx; by default the one OUTFILE's name says (no extension: csv).",
    )
    @with_appcontext
    def aid_export(outfile: Path, slug: str, programme_id: str, fmt: str | None) -> None:
        """Write the programme's candidates and recipients to OUTFILE (audited)."""
        tenant = village_for_plugin(PLUGIN, slug)
        with tenant_session(tenant.id) as session:
            try:
                tenant = session.get(Tenant, tenant.id)
                programme = _programme(session, tenant, None, programme_id)
                fmt = tabular.format_for_path(outfile, fmt, default=tabular.CSV)
                rows = list(importing.export_rows(session, programme))
                tabular.write(outfile, importing.EXPORT_HEADER, rows, fmt, sheet="bansos")
                importing.record_export(session, tenant, None, programme, fmt, len(rows))
                session.commit()
            except ServiceError as exc:
                raise click.ClickException(exc.message) from None
            click.echo(f"Exported {len(rows)} row(s) of {programme.name} ({tenant.name}) to {outfile}.")

    return smart_society
