"""The manifest file (``tenants/*.toml``): what it may say and how it is checked, before anything
is applied (``manifests.apply``). Every problem is reported at once, with where it is."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import ServiceError
from .regions import lookup_village
from .tenants import RESERVED_SLUGS, SLUG
from .users import EMAIL, normalize_email

PILLAR_NAME = r"^[a-z][a-z0-9_]{1,60}$"


class ManifestError(ServiceError):
    def __init__(self, path: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            f"{path} is not valid:\n" + "\n".join(f"  - {p}" for p in problems), "invalid_manifest"
        )


@dataclass
class FacilitatorSpec:
    key: str
    name: str
    email: str


@dataclass
class VillageSpec:
    code: str
    slug: str | None
    hamlets: list[str]
    facilitators: list[str]
    pillars: list[str]
    region: Any = None


@dataclass
class Manifest:
    path: str
    villages: list[VillageSpec]
    facilitators: dict[str, FacilitatorSpec]


def _str_list(value: Any, where: str, problems: list[str]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where}: must be a list of non-empty strings")
        return []
    return [v.strip() for v in value]


def load(
    path: str | Path,
    known_pillars: set[str] | None = None,
    requirements: dict[str, tuple[str, ...]] | None = None,
) -> Manifest:
    """Parse and validate a manifest completely before anything is written.

    ``known_pillars`` are the installed plugins and ``requirements`` what each requires; the CLI
    passes both, so a manifest naming an unknown pillar, or one without its requirement, is refused.
    """
    path = Path(path)
    problems: list[str] = []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(str(path), ["file not found"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(str(path), [f"not valid TOML: {exc}"]) from None
    unknown_top = set(data) - {"facilitators", "village"}
    if unknown_top:
        problems.append(f"unknown top-level keys: {', '.join(sorted(unknown_top))}")
    facilitators: dict[str, FacilitatorSpec] = {}
    for key, entry in (data.get("facilitators") or {}).items():
        where = f"facilitators.{key}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a table")
            continue
        email = normalize_email(entry.get("email"))
        if not entry.get("name") or not email or not EMAIL.match(email):
            problems.append(f"{where}: needs a name and a valid email")
            continue
        facilitators[key] = FacilitatorSpec(key, entry["name"].strip(), email)
    villages: list[VillageSpec] = []
    seen_codes: dict[str, int] = {}
    seen_slugs: dict[str, int] = {}
    entries = data.get("village") or []
    if not isinstance(entries, list) or not entries:
        problems.append("no [[village]] entries")
        entries = []
    for i, entry in enumerate(entries, start=1):
        code = str(entry.get("code", "")).strip() if isinstance(entry, dict) else ""
        where = f"village #{i} ({code or 'no code'})"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a table")
            continue
        unknown = set(entry) - {"code", "slug", "name", "hamlets", "facilitators", "pillars"}
        if unknown:
            problems.append(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        try:
            region = lookup_village(code)
        except ServiceError as exc:
            problems.append(f"{where}: {exc.message}")
            continue
        if region.code in seen_codes:
            problems.append(f"{where}: code listed twice (also village #{seen_codes[region.code]})")
        seen_codes[region.code] = i
        if entry.get("name") and entry["name"] != region.name:
            problems.append(
                f"{where}: name '{entry['name']}' does not match the official name '{region.name}'"
            )
        slug = entry.get("slug")
        if slug is not None:
            if not isinstance(slug, str) or not SLUG.match(slug) or slug in RESERVED_SLUGS:
                problems.append(f"{where}: slug '{slug}' is not valid (lowercase letters, digits, hyphens)")
            elif slug in seen_slugs:
                problems.append(f"{where}: slug '{slug}' also used by village #{seen_slugs[slug]}")
            else:
                seen_slugs[slug] = i
        hamlets = _str_list(entry.get("hamlets"), f"{where}: hamlets", problems)
        if len(set(hamlets)) != len(hamlets):
            problems.append(f"{where}: a hamlet is listed twice")
        facs = _str_list(entry.get("facilitators"), f"{where}: facilitators", problems)
        for key in facs:
            if key not in facilitators:
                problems.append(f"{where}: facilitator '{key}' is not defined under [facilitators]")
        pillars = _str_list(entry.get("pillars"), f"{where}: pillars", problems)
        for pillar in pillars:
            if known_pillars is not None and pillar not in known_pillars:
                problems.append(f"{where}: pillar '{pillar}' is not an installed plugin")
            elif requirements is not None:
                for needed in requirements.get(pillar, ()):
                    if needed not in pillars:
                        problems.append(f"{where}: pillar '{pillar}' requires '{needed}'; list it too")
        villages.append(VillageSpec(region.code, slug, hamlets, facs, pillars, region))
    if problems:
        raise ManifestError(str(path), problems)
    return Manifest(str(path), villages, facilitators)
