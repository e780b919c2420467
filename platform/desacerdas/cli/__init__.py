"""The ``desa`` console script, built on Flask's CLI."""

from __future__ import annotations

from flask.cli import FlaskGroup

from ..app import create_app
from ..kit import terms_cli
from . import backup, bundle, documents, indicators, jobs, plugins, regions, serve, tenants, users


def _make_group() -> FlaskGroup:
    group = FlaskGroup(
        create_app=lambda: create_app(),
        load_dotenv=False,
        set_debug_flag=False,
        help="Desa Cerdas platform: villages, users, database and server.",
    )
    group.add_command(tenants.group)
    group.add_command(users.group)
    group.add_command(serve.serve)
    group.add_command(plugins.group)
    group.add_command(documents.group)
    group.add_command(regions.group)
    group.add_command(indicators.group)
    group.add_command(terms_cli.group)
    group.add_command(jobs.group)
    group.add_command(jobs.worker)
    group.add_command(jobs.beat)
    group.add_command(backup.backup)
    group.add_command(backup.restore)
    group.add_command(bundle.group)
    return group


cli = _make_group()


def main() -> None:
    cli.main(prog_name="desa")
