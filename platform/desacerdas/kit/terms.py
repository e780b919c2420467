"""A village's own words and its letterhead (kop surat), for every pillar's pages and paper.

Villages name the same offices differently: in Bali a *perbekel* heads the village and a *kelian*
the *banjar dinas*; elsewhere a *kepala desa* and a *kepala dusun*; a kelurahan is headed by a
*lurah*. Pages, letters, certificates and receipts use :func:`terms_for` and :func:`letterhead_for`,
never a hard-coded word.

Storage: ``Tenant.profile["terms"]`` holds only what the village changed; everything else follows
the default for *this* village (:func:`defaults_for`: by province and kind), so a default that
improves reaches every village that never chose otherwise. Reading costs no query (the tenant row
is loaded for every village request anyway). :func:`update` validates, locks the tenant row,
stores and audits.
"""

from __future__ import annotations

import logging
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..auth.permissions import memberships_for, registry
from ..extensions import db
from ..models import Role, Tenant, User
from ..services import ServiceError, audit
from ..services import documents as docs
from ..services.i18n import _

log = logging.getLogger(__name__)

PROFILE_KEY = "terms"
MANAGE = "village.profile.manage"
VIEW = "village.dashboard.view"  # reading the terms: any staff of the village
BALI = "51"  # Kemendagri province code
LOGO_KIND = "photo"

registry.register(
    MANAGE,
    "Change the village's local terms and letterhead",
    (Role.VILLAGE_HEAD, Role.VILLAGE_SECRETARY, Role.FACILITATOR),
)

# The fields a village may set, with their longest value (as in the pillar's settings before).
LIMITS: dict[str, int] = {
    "village_head": 60,
    "hamlet": 60,
    "hamlet_head": 60,
    "office_name": 120,
    "office_address": 300,
    "letter_place": 80,
}
KEYS: tuple[str, ...] = (*LIMITS, "logo_document_id")
# smart_government's settings keys before the kit (see docs/kit/village-terms.md, "Adopting").
LEGACY_KEYS: dict[str, str] = {
    "term_village_head": "village_head",
    "term_hamlet": "hamlet",
    "term_hamlet_head": "hamlet_head",
    "office_name": "office_name",
    "office_address": "office_address",
    "logo_document_id": "logo_document_id",
    "letter_place": "letter_place",
}


class TenantLike(Protocol):
    """What the defaults need of a village (a ``Tenant``, or a row read in a data migration)."""

    code: str
    kind: str
    name: str
    district_name: str
    regency_name: str


@dataclass(frozen=True)
class Terms:
    """What this village calls itself, its head, its hamlets and their heads."""

    village_head: str  # Perbekel / Kepala Desa / Lurah
    hamlet: str  # Banjar Dinas / Dusun / Lingkungan
    hamlet_head: str  # Kelian Banjar Dinas / Kepala Dusun / Kepala Lingkungan
    village: str = "Desa"  # Desa / Kelurahan
    village_name: str = ""

    @property
    def head_title(self) -> str:
        """``Perbekel Menanga``: the head's title as printed under a letter."""
        return f"{self.village_head} {self.village_name}".strip()

    @property
    def village_title(self) -> str:
        """``Desa Menanga`` / ``Kelurahan Serangan`` (a name that starts with the word keeps it once)."""
        return _titled(self.village, self.village_name)

    def hamlet_title(self, name: str) -> str:
        """``Banjar Dinas Kaja`` for a hamlet recorded as ``Kaja`` or as ``Banjar Dinas Kaja``: papers
        print the hamlet with the village's word for it, once. A name that starts with the word's
        first part (``Banjar Kaja``) is already worded and printed as recorded."""
        first = self.hamlet.split(" ", 1)[0]
        if first and (name or "").strip().lower().startswith(first.lower() + " "):
            return name.strip()
        return _titled(self.hamlet, name)

    def hamlet_head_title(self, name: str) -> str:
        """``Kelian Banjar Dinas Kaja`` / ``Kepala Dusun Sukamaju I``: the hamlet head's title, then the
        hamlet's name without the village's word for a hamlet (the title says it already)."""
        bare = bare_name(name, self.hamlet, self.hamlet.split(" ", 1)[0])
        return f"{self.hamlet_head} {bare}".strip() if bare else self.hamlet_head


def _titled(word: str, name: str) -> str:
    """``word name``, unless ``name`` already starts with ``word`` (any case)."""
    name = (name or "").strip()
    if not word or name.lower() == word.lower() or name.lower().startswith(word.lower() + " "):
        return name or word
    return f"{word} {name}".strip()


@dataclass(frozen=True)
class _Words:
    village: str
    village_head: str
    hamlet: str
    hamlet_head: str


GENERIC = _Words("Desa", "Kepala Desa", "Dusun", "Kepala Dusun")
BALINESE = _Words("Desa", "Perbekel", "Banjar Dinas", "Kelian Banjar Dinas")
URBAN = _Words("Kelurahan", "Lurah", "Lingkungan", "Kepala Lingkungan")


def _words(tenant: TenantLike) -> _Words:
    if tenant.kind == "kelurahan":
        return URBAN
    return BALINESE if (tenant.code or "")[:2] == BALI else GENERIC


def bare_name(name: str, *prefixes: str) -> str:
    """``Kecamatan Rendang`` → ``Rendang``: a template writes the word itself."""
    name = (name or "").strip()
    for prefix in prefixes:
        if name.lower().startswith(prefix.lower() + " "):
            return name[len(prefix) + 1 :].strip()
    return name


def regency_title(regency_name: str) -> str:
    """``Kabupaten Karangasem`` or ``Kota Denpasar``, whatever the dataset's spelling."""
    name = (regency_name or "").strip()
    if name.lower().startswith("kota "):
        return f"Kota {name[5:].strip()}"
    return f"Kabupaten {bare_name(name, 'Kabupaten', 'Kab.')}"


def defaults_for(tenant: TenantLike) -> dict[str, str | None]:
    """What each field means when the village left it empty: the regional words, ``DESA <NAME>``
    (``KELURAHAN <NAME>``), an address built from the village's area, its name as the place."""
    words = _words(tenant)
    title = Terms("", "", "", words.village, tenant.name).village_title
    district = bare_name(tenant.district_name, "Kecamatan", "Kec.")
    return {
        "village_head": words.village_head,
        "hamlet": words.hamlet,
        "hamlet_head": words.hamlet_head,
        "office_name": title.upper(),
        "office_address": f"{tenant.name}, Kecamatan {district}, {regency_title(tenant.regency_name)}",
        "letter_place": tenant.name,
        "logo_document_id": None,
    }


def own_values(tenant: Tenant) -> dict[str, str]:
    """Only what the village set itself (e.g. ``"office_address" in own_values(t)``)."""
    stored = (tenant.profile or {}).get(PROFILE_KEY) or {}
    return {k: v for k, v in stored.items() if k in KEYS and v not in (None, "")}


def values_for(tenant: Tenant) -> dict[str, str | None]:
    """The effective values: the village's own over its defaults."""
    return {**defaults_for(tenant), **own_values(tenant)}


def terms_for(tenant: Tenant) -> Terms:
    values = values_for(tenant)
    return Terms(
        values["village_head"],
        values["hamlet"],
        values["hamlet_head"],
        _words(tenant).village,
        tenant.name,
    )


# -- the letterhead -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Letterhead:
    """Kop surat: three centred lines, the address under them, the place before the date, and the
    logo's document id (its bytes: :func:`logo_bytes`)."""

    regency: str  # as the dataset names it: "Kabupaten Karangasem", "Kota Denpasar"
    district: str  # "Rendang"
    office: str  # "DESA MENANGA", or as the village set it ("KANTOR PERBEKEL MENANGA")
    address: str
    place: str
    logo_document_id: uuid.UUID | None = None

    @property
    def regency_line(self) -> str:
        return f"PEMERINTAH {regency_title(self.regency).upper()}"

    @property
    def district_line(self) -> str:
        return f"KECAMATAN {bare_name(self.district, 'Kecamatan', 'Kec.').upper()}"

    @property
    def office_line(self) -> str:
        return self.office.upper()

    def lines(self) -> tuple[str, str, str]:
        return self.regency_line, self.district_line, self.office_line


def letterhead_for(tenant: Tenant) -> Letterhead:
    values = values_for(tenant)
    logo = values.get("logo_document_id")
    try:
        logo_id = uuid.UUID(str(logo)) if logo else None
    except ValueError:
        logo_id = None
    return Letterhead(
        regency=tenant.regency_name,
        district=tenant.district_name,
        office=values["office_name"],
        address=values["office_address"],
        place=values["letter_place"],
        logo_document_id=logo_id,
    )


def logo_document(document_id: uuid.UUID, session: Session | None = None):  # noqa: ANN201 - a Document
    """The logo's document in the session's village, refused unless it is a photo (an id typed into
    a form must not print, say, a KTP scan on every letter)."""
    document = docs.get(document_id, session)
    if document.kind != LOGO_KIND:
        raise ServiceError(
            _("The logo must be a photo document, not %(kind)s.", kind=document.kind), "not_a_logo"
        )
    return document


def logo_bytes(
    tenant: Tenant, session: Session | None = None, head: Letterhead | None = None
) -> bytes | None:
    """The logo's bytes for paper, or None when none is set or it cannot be read (paper without a
    logo is better than no paper). ``session`` must be bound to ``tenant``."""
    head = head or letterhead_for(tenant)
    if head.logo_document_id is None:
        return None
    try:
        document = logo_document(head.logo_document_id, session)
        return b"".join(docs.open_version(docs.version(document)))
    except ServiceError as exc:
        log.warning("village %s: letterhead logo %s not usable: %s", tenant.slug, head.logo_document_id, exc)
        return None


# -- changing them --------------------------------------------------------------------------------


class Line(fields.String):
    """One line of text, trimmed; control characters (a line break, a tab) are refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).replace("\xa0", " ").strip()
        if any(unicodedata.category(c).startswith("C") for c in text):
            raise ValidationError("Must be one line of text.")
        return text


def _line(limit: int, description: str) -> Line:
    return Line(
        allow_none=True,
        validate=validate.Length(min=1, max=limit, error="Must be 1 to {max} characters; null: the default."),
        metadata={"description": f"{description} At most {limit} characters; null: the default."},
    )


class TermsChangeSchema(Schema):
    """A change: each given field is set, ``null`` goes back to the village's default."""

    class Meta:
        unknown = RAISE

    village_head = _line(60, "Title of the village head (Perbekel, Kepala Desa, Lurah).")
    hamlet = _line(60, "Word for a hamlet (Banjar Dinas, Dusun, Lingkungan).")
    hamlet_head = _line(60, "Title of a hamlet head (Kelian Banjar Dinas, Kepala Dusun).")
    office_name = _line(120, "Third line of the letterhead (default DESA <NAME>).")
    office_address = _line(300, "Address under the letterhead (default: village, district, regency).")
    letter_place = _line(80, "Place written before the date (default: the village's name).")
    logo_document_id = fields.UUID(
        allow_none=True, metadata={"description": "A photo document of this village (PNG or JPEG)."}
    )


def validate_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes, typed and trimmed, or a ServiceError listing what is wrong."""
    try:
        return TermsChangeSchema().load(dict(changes))
    except ValidationError as exc:
        raise ServiceError(
            _("Invalid village terms: %(problems)s", problems=exc.messages), "invalid_terms"
        ) from None


def _merge(tenant: TenantLike, own: Mapping[str, Any], clean: Mapping[str, Any]) -> dict[str, str]:
    """``own`` with ``clean`` applied: a value equal to the default is not stored."""
    defaults = defaults_for(tenant)
    merged = dict(own)
    for key, value in clean.items():
        value = str(value) if isinstance(value, uuid.UUID) else value
        if value is None or value == defaults[key]:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _store(row: Tenant, own: dict[str, str]) -> None:
    """Write ``own`` into the (locked, freshly read) tenant row's profile; a new dict, so that the
    JSON column is seen as changed."""
    profile = {k: v for k, v in (row.profile or {}).items() if k != PROFILE_KEY}
    row.profile = {**profile, PROFILE_KEY: own} if own else profile


def _locked(session: Session, tenant: Tenant) -> Tenant:
    """The tenant row, read afresh and locked until commit (PostgreSQL): two saves at once queue,
    and the second merges into what the first stored."""
    return session.scalar(
        select(Tenant)
        .where(Tenant.id == tenant.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def update(
    tenant: Tenant,
    changes: Mapping[str, Any],
    *,
    actor: User | None = None,
    session: Session | None = None,
    commit: bool = True,
) -> dict[str, str]:
    """Apply ``changes`` (see :class:`TermsChangeSchema`) and return what the village now sets
    itself. Only keys whose stored value changes are written and audited. ``session`` must be bound
    to ``tenant`` (the logo document is looked up in it)."""
    s = session or db.session
    clean = validate_changes(changes)
    if clean.get("logo_document_id") is not None:
        try:
            logo_document(clean["logo_document_id"], s)
        except ServiceError:
            raise ServiceError(
                _("The logo must be a photo document of this village."), "invalid_logo"
            ) from None
    row = _locked(s, tenant)
    before = own_values(row)
    after = _merge(row, before, clean)
    if after == before:
        if commit:
            s.commit()  # ends the transaction, and with it the row lock
        return before
    _store(row, after)
    changed = sorted(k for k in KEYS if before.get(k) != after.get(k))
    audit.record(
        "village.terms_changed",
        actor=actor,
        tenant_id=tenant.id,
        target="terms",
        session=s,
        set={k: after[k] for k in changed if k in after},
        reset=[k for k in changed if k not in after],
        roles=sorted({m.role.value for m in memberships_for(actor, row)}) if actor is not None else [],
    )
    if commit:
        s.commit()
    if row is not tenant:  # the caller's object, from another session: show it the new values
        set_committed_value(tenant, "profile", row.profile)
    return after


# -- values kept by a pillar before the kit ---------------------------------------------------------


def legacy_changes(
    tenant: TenantLike,
    village_settings: Mapping[str, Any] | None,
    platform_settings: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """What a village had set under a pillar's old keys (``term_village_head`` …), as changes for
    this store. The village's own value wins, then the platform's (a platform-wide logo means
    nothing and is skipped); empty values and values equal to the new default are left out."""
    platform = {k: v for k, v in (platform_settings or {}).items() if k != "logo_document_id"}
    merged = {**platform, **(village_settings or {})}
    found = {new: merged[old] for old, new in LEGACY_KEYS.items() if merged.get(old) not in (None, "")}
    return _merge(tenant, {}, {k: str(v).strip() for k, v in found.items()})


def import_legacy(
    tenant: Tenant,
    village_settings: Mapping[str, Any] | None,
    platform_settings: Mapping[str, Any] | None = None,
    *,
    session: Session | None = None,
    actor: User | None = None,
    commit: bool = True,
) -> dict[str, str]:
    """Copy a pillar's old values into this store, keeping whatever the village has set here
    already; returns what was copied. Idempotent. The caller deletes the old keys."""
    s = session or db.session
    row = _locked(s, tenant)
    own = own_values(row)
    copied = {
        k: v for k, v in legacy_changes(row, village_settings, platform_settings).items() if k not in own
    }
    if not copied:
        if commit:
            s.commit()  # ends the transaction, and with it the row lock
        return {}
    _store(row, {**own, **copied})
    audit.record(
        "village.terms_imported",
        actor=actor,
        tenant_id=tenant.id,
        target="terms",
        session=s,
        keys=sorted(copied),
    )
    if commit:
        s.commit()
    if row is not tenant:
        set_committed_value(tenant, "profile", row.profile)
    return copied
