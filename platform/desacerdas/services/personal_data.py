"""Personal data shown only to those who need it (issue 11, UU 27/2022).

A regency admin and a facilitator work on rollout and indicators: they see residents with the NIK
and KK number masked and without address, birth date, birth place and phone. Aggregates and
statistics are unchanged. To see full data they state a reason; that opens one resident (or the
whole list) for ``WINDOW`` and writes a ``PersonalDataAccess`` row the village can read. Village
staff (head, secretary, operator, a hamlet head in their hamlet) see full data as before, without a
log row (their own village's daily work); a platform admin is not masked either.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Role, Tenant, User
from ..models.data_access import PersonalDataAccess
from . import ServiceError
from .i18n import _

WINDOW = timedelta(minutes=30)
MASKED_ROLES = frozenset({Role.REGENCY_ADMIN, Role.FACILITATOR})
STAFF_ROLES = frozenset({Role.VILLAGE_HEAD, Role.VILLAGE_SECRETARY, Role.OPERATOR, Role.HAMLET_HEAD})
REASON_MAX = 300


def _covering(user: User, tenant: Tenant) -> set[Role]:
    return {m.role for m in user.memberships if m.covers(tenant)}


def masking_role(user: User | None, tenant: Tenant) -> Role | None:
    """The role that makes ``user`` see masked data in ``tenant`` (None: full data)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.is_platform_admin:
        return None
    roles = _covering(user, tenant)
    if roles & STAFF_ROLES:
        return None
    masked = sorted(roles & MASKED_ROLES)
    return masked[0] if masked else None


def needs_masking(user: User | None, tenant: Tenant) -> bool:
    """Whether ``user`` sees residents of ``tenant`` masked by default."""
    return masking_role(user, tenant) is not None


def mask_nik(value: str | None) -> str | None:
    """``5107011705900001`` → ``5107********0001``: the area and the last digits stay (enough to
    tell records apart on the phone), the birth date and sex in the middle are hidden."""
    if not value:
        return value
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_address(value: str | None) -> str | None:
    """An address is not shown masked at all (a part of it still locates the house)."""
    return None


class _Masked:
    """A read-only view of a record with the personal fields masked (templates and schemas read it
    like the record)."""

    __slots__ = ("_record",)  # no instance ``__dict__`` to reach the record through
    _HIDDEN = ("address", "birth_date", "birth_place", "phone")
    _NIKS = ("nik", "father_nik", "mother_nik", "kk_number")
    # Passed through as they are: fields that do not identify or locate a person. Anything else
    # (a relationship such as ``members``, a new column, ``__dict__``…) is an AttributeError, so a
    # field added to the model stays hidden until it is judged and listed here.
    _SHOWN = frozenset(
        {
            "id",
            "tenant_id",
            "name",
            "sex",
            "status",
            "hamlet_id",
            "family_id",
            "nik_temporary",
            "kk_temporary",
            "religion",
            "marital_status",
            "relationship_to_head",
            "education",
            "occupation",
            "citizenship",
            "blood_type",
            "father_name",
            "mother_name",
        }
    )

    def __init__(self, record: Any) -> None:
        object.__setattr__(self, "_record", record)

    def __getattr__(self, name: str) -> Any:
        if name in self._HIDDEN:
            return mask_address(getattr(self._record, name)) if name == "address" else None
        if name in self._NIKS:
            return mask_nik(getattr(self._record, name))
        if name == "family":
            return masked(getattr(self._record, name))
        if name in self._SHOWN:
            return getattr(self._record, name)
        raise AttributeError(f"{name!r} is not shown on a masked record")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a masked record is read-only")

    masked = True


def masked(record: Any) -> Any:
    """``record`` as seen by a masked viewer."""
    return None if record is None else _Masked(record)


def clean_reason(reason: str | None) -> str:
    """The stated reason, required and bounded (a ServiceError otherwise)."""
    text = " ".join((reason or "").split())
    if len(text) < 5:
        raise ServiceError(
            _("Give the reason you need the full data (at least 5 characters)."), code="reason_required"
        )
    if len(text) > REASON_MAX:
        raise ServiceError(_("The reason is too long (at most 300 characters)."), code="reason_too_long")
    return text


def record_access(
    session: Session,
    tenant: Tenant,
    user: User,
    reason: str,
    *,
    resident_id: uuid.UUID | None = None,
    channel: str = "web",
) -> PersonalDataAccess:
    """Log that ``user`` opened full data (one resident, or the list when ``resident_id`` is None)."""
    role = masking_role(user, tenant)
    row = PersonalDataAccess(
        tenant_id=tenant.id,
        user_id=user.id,
        user_name=(user.name or user.email or "")[:120],
        role=str(role.value if role else "staff"),
        resident_id=resident_id,
        channel=channel,
        reason=clean_reason(reason),
        at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return row


class Viewer:
    """What one user may see in one village during one request: ``show(record)`` gives the record
    or its masked view."""

    def __init__(self, session: Session, user: User | None, tenant: Tenant) -> None:
        self.masking = needs_masking(user, tenant)
        self.list_open = False
        self.open_ids: set[uuid.UUID] = set()
        if self.masking:
            since = datetime.now(UTC) - WINDOW
            rows = session.execute(
                select(PersonalDataAccess.resident_id).where(
                    PersonalDataAccess.tenant_id == tenant.id,
                    PersonalDataAccess.user_id == user.id,
                    PersonalDataAccess.at >= since,
                )
            ).all()
            for (rid,) in rows:
                if rid is None:
                    self.list_open = True
                else:
                    self.open_ids.add(rid)

    def is_open(self, resident_id: uuid.UUID | None = None) -> bool:
        """Whether full data is shown (for one resident, or for the whole list when None)."""
        if not self.masking or self.list_open:
            return True
        return resident_id is not None and resident_id in self.open_ids

    def show(self, record: Any) -> Any:
        """A resident (opened by its id) or a family (opened with the list) as this user sees it."""
        if record is None or not self.masking:
            return record
        opened_by = None if hasattr(record, "kk_number") else getattr(record, "id", None)
        return record if self.is_open(opened_by) else masked(record)


def access_log(session: Session, tenant: Tenant) -> Any:
    """The village's access log, newest first (a select for the shared paginator)."""
    return (
        select(PersonalDataAccess)
        .where(PersonalDataAccess.tenant_id == tenant.id)
        .order_by(PersonalDataAccess.at.desc(), PersonalDataAccess.id)
    )


__all__ = [
    "WINDOW",
    "Viewer",
    "access_log",
    "clean_reason",
    "mask_address",
    "mask_nik",
    "masked",
    "masking_role",
    "needs_masking",
    "record_access",
]
