"""Letter types (jenis surat): the common ones seeded when a village enables the pillar, and the
rules staff editing them must follow.

A type's ``template`` is Indonesian text with ``${placeholders}``: the resident's data
(:data:`RESIDENT_PLACEHOLDERS`) and the type's own ``fields``, which the requester fills. A
template may only name placeholders that exist, so a letter never fails at issue time because a
clerk mistyped ``${nama}``; :func:`check_type` refuses it when the type is saved.

Every function works on a session bound to one village; the caller commits (the seed runs in the
platform's enable transaction)."""

from __future__ import annotations

import re
import string
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desacerdas.kit import terms as village_terms
from desacerdas.kit.numbering import SHARED_SCOPE
from desacerdas.models import Tenant, User
from desacerdas.services import NotFound, ServiceError, audit
from desacerdas.services.i18n import _
from desacerdas.tenancy import current_tenant_id

from .defaults import DEFAULT_TYPES as DEFAULT_TYPES  # the general-words seed, for callers
from .defaults import PLACEHOLDERS, default_types
from .models import LetterType

# What every template may use: the resident's data and the village's words (``defaults.PLACEHOLDERS``,
# filled by ``content.resident_values``).
RESIDENT_PLACEHOLDERS: dict[str, Any] = PLACEHOLDERS
FIELD_KINDS = ("text", "textarea", "date", "number")
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9.\-]{0,19}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_FIELDS = 20
MAX_ATTACHMENTS = 10
MAX_VALIDITY_DAYS = 3650


def seed_defaults(tenant: Tenant, session: Session) -> None:
    """Add the common letter types the village does not have yet (by code; edited ones are kept)."""
    if current_tenant_id(session) != tenant.id:
        raise RuntimeError("seed_defaults needs a session bound to the village")
    existing = set(session.scalars(select(LetterType.code)))
    for position, spec in enumerate(default_types(village_terms.terms_for(tenant)), start=1):
        if spec["code"] in existing:
            continue
        session.add(
            LetterType(
                code=spec["code"],
                title=spec["title"],
                description=spec["description"],
                fields=[dict(f) for f in spec["fields"]],
                attachments=[dict(a) for a in spec["attachments"]],
                validity_days=spec["validity_days"],
                template=spec["template"],
                online=spec["online"],
                active=True,
                position=position,
            )
        )


# -- validation ------------------------------------------------------------------------------------


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y", "on", "ya", "wajib", "required")
    return bool(value)


def _clean_fields(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ServiceError(_("Fields must be a list."), "invalid_fields")
    if len(raw) > MAX_FIELDS:
        raise ServiceError(_("A letter type has at most %(n)d fields.", n=MAX_FIELDS), "invalid_fields")
    out, seen = [], set()
    for item in raw:
        if not isinstance(item, dict):
            raise ServiceError(_("Each field needs a name, a label, required and a kind."), "invalid_fields")
        name = str(item.get("name") or "").strip()
        label = str(item.get("label") or "").strip()
        kind = str(item.get("kind") or "text").strip()
        if not NAME_PATTERN.match(name):
            raise ServiceError(
                _(
                    "The field name %(name)s is not valid: use lower case letters, digits and _, "
                    "starting with a letter.",
                    name=name or "''",
                ),
                "invalid_fields",
            )
        if name in RESIDENT_PLACEHOLDERS:
            raise ServiceError(
                _("The field name %(name)s is already a resident placeholder.", name=name), "invalid_fields"
            )
        if name in seen:
            raise ServiceError(_("The field name %(name)s is used twice.", name=name), "invalid_fields")
        if not label or len(label) > 120:
            raise ServiceError(
                _("The field %(name)s needs a label (at most 120 characters).", name=name), "invalid_fields"
            )
        if kind not in FIELD_KINDS:
            raise ServiceError(
                _(
                    "The kind of field %(name)s must be one of %(kinds)s.",
                    name=name,
                    kinds=", ".join(FIELD_KINDS),
                ),
                "invalid_fields",
            )
        seen.add(name)
        out.append(
            {"name": name, "label": label, "required": _bool(item.get("required", True)), "kind": kind}
        )
    return out


def _clean_attachments(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ServiceError(_("Attachments must be a list."), "invalid_attachments")
    if len(raw) > MAX_ATTACHMENTS:
        raise ServiceError(
            _("A letter type has at most %(n)d attachments.", n=MAX_ATTACHMENTS), "invalid_attachments"
        )
    out, seen = [], set()
    for item in raw:
        if not isinstance(item, dict):
            raise ServiceError(_("Each attachment needs a key, a label and required."), "invalid_attachments")
        key = str(item.get("key") or "").strip()
        label = str(item.get("label") or "").strip()
        if not NAME_PATTERN.match(key):
            raise ServiceError(
                _(
                    "The attachment key %(key)s is not valid: use lower case letters, digits and _, "
                    "starting with a letter.",
                    key=key or "''",
                ),
                "invalid_attachments",
            )
        if key in seen:
            raise ServiceError(_("The attachment key %(key)s is used twice.", key=key), "invalid_attachments")
        if not label or len(label) > 120:
            raise ServiceError(
                _("The attachment %(key)s needs a label (at most 120 characters).", key=key),
                "invalid_attachments",
            )
        seen.add(key)
        out.append({"key": key, "label": label, "required": _bool(item.get("required", True))})
    return out


def template_problems(template_text: str, field_names: set[str]) -> list[str]:
    """Placeholders of ``template_text`` that are neither resident data nor declared fields."""
    template = string.Template(template_text)
    if not template.is_valid():
        raise ServiceError(
            _("The template has a malformed placeholder: write ${name}, and $$ for a dollar sign."),
            "invalid_template",
        )
    known = set(RESIDENT_PLACEHOLDERS) | field_names
    return sorted({n for n in template.get_identifiers() if n not in known})


def _validity(value: Any) -> int | None:
    """Days a letter stays valid, or None (no limit)."""
    if value in ("", None):
        return None
    try:
        validity = int(value)
    except (TypeError, ValueError):
        raise ServiceError(_("The validity is a number of days, or empty."), "invalid_validity") from None
    if not 1 <= validity <= MAX_VALIDITY_DAYS:
        raise ServiceError(
            _("The validity is between 1 and %(max)d days, or empty.", max=MAX_VALIDITY_DAYS),
            "invalid_validity",
        )
    return validity


def check_type(data: dict[str, Any], *, partial_of: LetterType | None = None) -> dict[str, Any]:
    """The cleaned values of a letter type, or a :class:`ServiceError` that says what is wrong.

    With ``partial_of``, missing keys keep that type's values (an edit of a few attributes).
    """
    base: dict[str, Any] = {}
    if partial_of is not None:
        base = {
            "code": partial_of.code,
            "title": partial_of.title,
            "description": partial_of.description,
            "fields": partial_of.fields,
            "attachments": partial_of.attachments,
            "validity_days": partial_of.validity_days,
            "template": partial_of.template,
            "online": partial_of.online,
            "active": partial_of.active,
            "position": partial_of.position,
        }
    merged = {**base, **{k: v for k, v in data.items() if k in _EDITABLE}}
    code = str(merged.get("code") or "").strip().upper()
    if not CODE_PATTERN.match(code) or code == SHARED_SCOPE:
        raise ServiceError(
            _(
                "The code %(code)s is not valid: 1 to 20 capital letters, digits, dots or dashes "
                "(it is printed in the letter number).",
                code=code or "''",
            ),
            "invalid_code",
        )
    title = str(merged.get("title") or "").strip()
    if not title or len(title) > 150:
        raise ServiceError(_("A letter type needs a title of at most 150 characters."), "invalid_title")
    description = (
        (str(merged.get("description") or "").strip() or None) if merged.get("description") else None
    )
    fields = _clean_fields(merged.get("fields"))
    attachments = _clean_attachments(merged.get("attachments"))
    validity = _validity(merged.get("validity_days"))
    template = str(merged.get("template") or "").strip()
    if not template:
        raise ServiceError(_("A letter type needs a template text."), "invalid_template")
    if len(template) > 10000:
        raise ServiceError(_("The template is longer than 10000 characters."), "invalid_template")
    unknown = template_problems(template, {f["name"] for f in fields})
    if unknown:
        raise ServiceError(
            _(
                "The template uses unknown placeholders: %(names)s. "
                "Use the resident's data or declare a field.",
                names=", ".join("${" + n + "}" for n in unknown),
            ),
            "unknown_placeholders",
        )
    try:
        position = int(merged.get("position") or 0)
    except (TypeError, ValueError):
        raise ServiceError(_("The position is a whole number."), "invalid_position") from None
    return {
        "code": code,
        "title": title,
        "description": description,
        "fields": fields,
        "attachments": attachments,
        "validity_days": validity,
        "template": template,
        "online": _bool(merged.get("online", True)),
        "active": _bool(merged.get("active", True)),
        "position": position,
    }


_EDITABLE = frozenset(
    {
        "code",
        "title",
        "description",
        "fields",
        "attachments",
        "validity_days",
        "template",
        "online",
        "active",
        "position",
    }
)


# -- reading and writing ---------------------------------------------------------------------------


def list_types(session: Session, *, active_only: bool = False, online_only: bool = False) -> list[LetterType]:
    stmt = select(LetterType).order_by(LetterType.position, LetterType.title, LetterType.id)
    if active_only:
        stmt = stmt.where(LetterType.active.is_(True))
    if online_only:
        stmt = stmt.where(LetterType.online.is_(True))
    return list(session.scalars(stmt))


def get_type(session: Session, type_id: uuid.UUID | str) -> LetterType:
    """A letter type of the session's village (another village's id is not found)."""
    try:
        key = type_id if isinstance(type_id, uuid.UUID) else uuid.UUID(str(type_id))
    except ValueError:
        raise NotFound(_("No such letter type.")) from None
    found = session.scalar(select(LetterType).where(LetterType.id == key))
    if found is None:
        raise NotFound(_("No such letter type."))
    return found


def _code_free(session: Session, code: str, exclude: uuid.UUID | None = None) -> None:
    stmt = select(LetterType.id).where(func.upper(LetterType.code) == code)
    if exclude is not None:
        stmt = stmt.where(LetterType.id != exclude)
    if session.scalar(stmt) is not None:
        raise ServiceError(
            _("The code %(code)s is already used by another letter type.", code=code), "duplicate_code", 409
        )


def create_type(session: Session, tenant: Tenant, data: dict[str, Any], actor: User | None) -> LetterType:
    """Add a letter type (the caller commits)."""
    clean = check_type(data)
    _code_free(session, clean["code"])
    if not data.get("position"):
        clean["position"] = (session.scalar(select(func.max(LetterType.position))) or 0) + 1
    letter_type = LetterType(**clean)
    session.add(letter_type)
    session.flush()
    audit.record(
        "letter_type.created",
        actor=actor,
        tenant_id=tenant.id,
        target=f"letter_type:{letter_type.id}",
        session=session,
        code=clean["code"],
    )
    return letter_type


def update_type(
    session: Session, tenant: Tenant, letter_type: LetterType, data: dict[str, Any], actor: User | None
) -> LetterType:
    """Change a letter type (any subset of its attributes; the caller commits).

    Requests already made keep their data; letters already issued keep their printed text.
    """
    clean = check_type(data, partial_of=letter_type)
    _code_free(session, clean["code"], exclude=letter_type.id)
    changed = sorted(k for k, v in clean.items() if getattr(letter_type, k) != v)
    for key, value in clean.items():
        setattr(letter_type, key, value)
    audit.record(
        "letter_type.updated",
        actor=actor,
        tenant_id=tenant.id,
        target=f"letter_type:{letter_type.id}",
        session=session,
        changed=changed,
    )
    return letter_type


def set_active(
    session: Session, tenant: Tenant, letter_type: LetterType, active: bool, actor: User | None
) -> None:
    """Deactivate (or reactivate) a type: it is no longer offered, its requests and letters stay."""
    letter_type.active = active
    audit.record(
        "letter_type.activated" if active else "letter_type.deactivated",
        actor=actor,
        tenant_id=tenant.id,
        target=f"letter_type:{letter_type.id}",
        session=session,
    )
