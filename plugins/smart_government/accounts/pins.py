"""The rules for a resident's PIN (six digits, not a common or a run), and the throttle on wrong
attempts (per NIK and client, ``desacerdas.services.login_throttle``), shared by signing in, the PIN
change and the reset codes.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from desacerdas.auth.passwords import hash_secret
from desacerdas.models import Tenant, User
from desacerdas.services import ServiceError, audit, login_throttle
from desacerdas.services import auth as auth_service
from desacerdas.services.i18n import _

from ..registry.models import Resident
from .models import ResidentAccount

PIN_LENGTH = 6

# PINs people pick first; refused with "too common" (repeats and runs have their own message).
COMMON_PINS = frozenset(
    {
        "121212",
        "112233",
        "123123",
        "123321",
        "101010",
        "111222",
        "147258",
        "159357",
        "159753",
        "789456",
        "131313",
        "696969",
        "520520",
        "142536",
        "252525",
        "000111",
        "007007",
    }
)

# A real hash to verify against when the NIK is unknown, so timing does not reveal who has an account.
_DUMMY_HASH = auth_service.DUMMY_HASH
_aware = auth_service.aware


def _now() -> datetime:
    return datetime.now(UTC)


class SignInFailed(ServiceError):
    """Refused sign-in: one generic message for an unknown NIK and a wrong PIN; 429 when throttled."""

    def __init__(
        self,
        message: str,
        code: str = "invalid_credentials",
        status: int = 401,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message, code, status)
        self.retry_after = retry_after  # seconds, when throttled (the ``Retry-After`` header)


def _generic_failure() -> SignInFailed:
    return SignInFailed(_("Wrong NIK or PIN."))


# -- PIN rules ---------------------------------------------------------------------------------------


def _is_run(pin: str) -> bool:
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:], strict=False)}
    return steps in ({1}, {9})


def pin_problem(pin: str, resident: Resident | None = None) -> str | None:
    """Why ``pin`` is refused (a message a resident understands), or None when it is acceptable."""
    pin = pin or ""
    if len(pin) != PIN_LENGTH or not pin.isascii() or not pin.isdigit():
        return _("The PIN must be exactly 6 digits.")
    if len(set(pin)) == 1:
        return _("The PIN cannot be one digit repeated, like 111111.")
    if _is_run(pin):
        return _("The PIN cannot be a run of digits, like 123456 or 654321.")
    if resident is not None:
        born = resident.birth_date
        dates = {born.strftime("%d%m%y"), born.strftime("%y%m%d"), born.strftime("%m%d%y")}
        if resident.nik and not resident.nik_temporary:
            dates.add(resident.nik[6:12])  # a woman's NIK has the day + 40
        if pin in dates:
            return _("The PIN cannot be your date of birth.")
    if pin in COMMON_PINS or pin[:3] == pin[3:] or pin[:2] == pin[2:4] == pin[4:]:
        return _("This PIN is too easy to guess. Choose another one.")
    return None


def random_pin(resident: Resident | None = None) -> str:
    """A random PIN that passes the rules (given to the resident once, changed at first sign-in)."""
    while True:
        pin = "".join(secrets.choice("0123456789") for _i in range(PIN_LENGTH))
        if pin_problem(pin, resident) is None:
            return pin


# -- signing in ----------------------------------------------------------------------------------------


def _lock_message(locked_until: datetime) -> SignInFailed:
    return SignInFailed(auth_service.lock_message(locked_until), "locked", 429)


def _locked(account: ResidentAccount) -> datetime | None:
    """When the account's old per-account lock ends, or None. Sign-in no longer sets it (issue 11:
    throttles are per NIK and client, ``desacerdas.services.login_throttle``); kept for old rows.
    (The PIN-code request reads only this: an attacker's lock must not stop a resident's reset.)"""
    until = _aware(account.locked_until)
    return until if until and until > _now() else None


def locked_until(account: ResidentAccount, session: Session | None = None) -> datetime | None:
    """When the sign-in of the account's NIK opens again to unknown devices, or None: the
    throttle's account-wide lock (``LOGIN_ACCOUNT_LIMIT`` failures from unknown clients; the
    resident's known devices still sign in), or an old per-account lock. For staff (the "locked"
    badge, the API's ``locked_until``); a staff PIN reset clears it (``login_throttle.forget``)."""
    session = session if session is not None else object_session(account)
    until = _locked(account)
    if session is None:
        return until
    nik = session.scalar(select(Resident.nik).where(Resident.id == account.resident_id))
    if nik:
        wide = login_throttle.account_locked_until(session, _nik_key(account.tenant_id, nik))
        if wide is not None and (until is None or wide > until):
            until = wide
    return until


def _nik_key(tenant_id: int, nik: str | None) -> str:
    return f"nik:{tenant_id}:{nik or ''}"


def sign_in_key(tenant: Tenant, nik: str) -> str:
    """The throttle's login for a NIK in a village (the same for NIKs with and without an account)."""
    return _nik_key(tenant.id, nik)


def code_key(tenant: Tenant, ticket_account: object) -> str:
    """The throttle's login for the reset codes of the account a ticket names (real or not)."""
    return f"pin-code:{tenant.id}:{ticket_account}"


def check_throttle(
    tenant: Tenant, session: Session, login_key: str, account: ResidentAccount | None, reason: str
) -> login_throttle.Attempt:
    """This try's throttle keys, or SignInFailed (429, audited and committed) when it must wait."""
    attempt = login_throttle.attempt_for(login_key)
    try:
        login_throttle.check(session, attempt)
    except login_throttle.Throttled as exc:
        _audit_failure(tenant, session, account, f"{reason}:{exc.code}" if reason else exc.code)
        session.commit()
        raise SignInFailed(exc.message, exc.code, exc.status, exc.retry_after) from None
    return attempt


def _audit_failure(tenant: Tenant, session: Session, account: ResidentAccount | None, reason: str) -> None:
    where = (
        {"target": f"resident:{account.resident_id}", "actor_label": f"user:{account.user_id}"}
        if account is not None
        else {}
    )
    audit.record(
        "smart_government.account.sign_in_failed",
        tenant_id=tenant.id,
        session=session,
        reason=reason,
        **where,
    )


def count_failure(
    tenant: Tenant,
    session: Session,
    attempt: login_throttle.Attempt,
    account: ResidentAccount | None,
    reason: str,
) -> None:
    """Count a failed try on the throttle and audit it (and any lock it starts). Caller commits."""
    for scope in login_throttle.failed(session, attempt):
        where = {"target": f"resident:{account.resident_id}"} if account is not None else {}
        audit.record(
            "smart_government.account.locked",
            tenant_id=tenant.id,
            actor_label=f"user:{account.user_id}" if account is not None else None,
            session=session,
            scope=scope,
            **where,
        )
    _audit_failure(tenant, session, account, reason)


def _set_pin(session: Session, account: ResidentAccount, user: User, resident: Resident, new: str) -> None:
    if problem := pin_problem(new, resident):
        raise ServiceError(problem, "weak_pin")
    account.pin_hash = hash_secret(new)
    account.must_change_pin = False
    account.failed_attempts = 0
    account.locked_until = None
    account.pin_changed_at = _now()
    user.session_version += 1  # every other session ends; the caller signs the current one in again
