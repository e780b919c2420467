"""Resident accounts: sign-in with NIK and a 6-digit PIN.

An account is a core :class:`~desacerdas.models.User` (the resident's name, no email or phone, an
unusable password) holding the ``resident`` role in the village, plus a :class:`ResidentAccount`
with the PIN. Signing in ends with ``flask_login.login_user(user)``, so browser sessions, CSRF,
permissions and "sign out everywhere" are the core's.

The PIN is hashed with argon2id and never kept or shown in plain, except once: a PIN set by staff
(new account, reset) is returned to the caller to hand over, and must be changed at the next
sign-in. Failures are throttled per NIK and client like the core sign-in
(``desacerdas.services.login_throttle``: delay, then a lock of that client; the account's known
devices keep working); the old ``failed_attempts``/``locked_until`` columns are no longer used.

A resident who forgot their PIN proves who they are with NIK, KK number and birth date and gets a
one-time code on the phone recorded in the registry. The code is not stored: the caller receives a
signed *ticket* holding a keyed hash of the code, the account and a fingerprint of the current PIN
hash, so the code expires with the ticket and works once (setting a PIN changes the fingerprint).

Transactions: ``create_account``, ``reset_pin`` and ``deactivate`` only flush (the caller commits,
so an approval can create a resident and its account together). ``sign_in``, ``change_pin`` and the
code functions commit themselves, because a failure counter must be kept even when they refuse."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desacerdas.auth.passwords import hash_secret, needs_rehash, verify_secret
from desacerdas.models import AuditEvent, Role, Tenant, User
from desacerdas.services import NotFound, ServiceError, audit, login_throttle
from desacerdas.services import auth as auth_service
from desacerdas.services import users as user_svc
from desacerdas.services.i18n import _
from desacerdas.tenancy import current_tenant_id

from ..registry.models import Family, Resident, ResidentStatus
from ..registry.validation import clean_number
from .code_delivery import (  # noqa: F401 - part of the account service
    CODE_MINUTES,
    DELIVERY_EXTENSION,
    LogPinCodeDelivery,
    PinCodeDelivery,
    delivery,
    send_code,
)
from .models import ResidentAccount
from .pins import (  # noqa: F401 - part of the account service
    _DUMMY_HASH,
    PIN_LENGTH,
    SignInFailed,
    _generic_failure,
    _lock_message,
    _locked,
    _now,
    _set_pin,
    check_throttle,
    code_key,
    count_failure,
    locked_until,
    pin_problem,
    random_pin,
    sign_in_key,
)

API_TOKEN_DAYS = 30
CODES_PER_HOUR = 3  # codes sent to one account per hour, at most (an SMS costs money)


# -- lookups -----------------------------------------------------------------------------------------


def account_for_resident(session: Session, resident_id: uuid.UUID) -> ResidentAccount | None:
    """The resident's account in the session's village (active or not), if any."""
    return session.scalar(select(ResidentAccount).where(ResidentAccount.resident_id == resident_id))


def _has_resident_role(user: User, tenant_id: int) -> bool:
    return any(m.role == Role.RESIDENT and m.tenant_id == tenant_id for m in user.memberships)


def account_of(user: User | None, session: Session) -> ResidentAccount | None:
    """The active resident account of ``user`` in the session's village, or None.

    Cheap for everyone but residents: the lookup runs only for users holding the resident role.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    tenant_id = current_tenant_id(session)
    if tenant_id is None or not _has_resident_role(user, tenant_id):
        return None
    account = session.scalar(select(ResidentAccount).where(ResidentAccount.user_id == user.id))
    return account if account is not None and account.active else None


def resident_of(user: User | None, session: Session) -> Resident | None:
    """The registry record of a signed-in resident in the session's village, or None."""
    account = account_of(user, session)
    if account is None:
        return None
    return session.scalar(select(Resident).where(Resident.id == account.resident_id))


def user_of(session: Session, resident: Resident) -> User | None:
    """The user who signs in as ``resident`` (their active account), or None: whose letters these are."""
    account = account_for_resident(session, resident.id)
    return session.get(User, account.user_id) if account is not None and account.active else None


def _resident(session: Session, account: ResidentAccount) -> Resident:
    resident = session.scalar(select(Resident).where(Resident.id == account.resident_id))
    if resident is None:  # pragma: no cover - the foreign key cascades
        raise NotFound(_("No such resident."))
    return resident


def _user(session: Session, account: ResidentAccount) -> User:
    user = session.get(User, account.user_id)
    if user is None:  # pragma: no cover - the foreign key cascades
        raise NotFound(_("No such account."))
    return user


# -- staff: create, reset, deactivate ------------------------------------------------------------------


def create_account(
    tenant: Tenant, session: Session, resident: Resident, actor: User | None
) -> tuple[ResidentAccount, str]:
    """Open an account for a living resident with a real NIK; returns it with the initial PIN,
    which the caller shows once (to hand over) and never stores. The caller commits."""
    if resident.nik_temporary:
        raise ServiceError(
            _("This resident has a temporary number: record their real NIK before opening an account."),
            "temporary_nik",
            409,
        )
    if resident.status != ResidentStatus.LIVING:
        raise ServiceError(_("Only a resident living in the village can have an account."), "not_living", 409)
    if account_for_resident(session, resident.id) is not None:
        raise ServiceError(
            _("This resident has an account already: reset its PIN instead."), "duplicate_account", 409
        )
    user = User(name=resident.name, password_hash=hash_secret(secrets.token_urlsafe(32)))
    session.add(user)
    session.flush()
    audit.record("user.created", actor=actor, tenant_id=tenant.id, target=f"user:{user.id}", session=session)
    user_svc.grant(user, Role.RESIDENT, tenant=tenant, actor=actor, session=session)
    pin = random_pin(resident)
    account = ResidentAccount(
        resident_id=resident.id,
        user_id=user.id,
        pin_hash=hash_secret(pin),
        must_change_pin=True,
        failed_attempts=0,
        active=True,
    )
    session.add(account)
    session.flush()
    audit.record(
        "smart_government.account.created",
        actor=actor,
        tenant_id=tenant.id,
        target=f"resident:{resident.id}",
        session=session,
        user_id=user.id,
    )
    return account, pin


def reset_pin(tenant: Tenant, session: Session, account: ResidentAccount, actor: User | None) -> str:
    """A new random PIN set by staff (returned once, to hand over): it must be changed at the next
    sign-in, the lock is cleared, every session and API token of the account ends, and a
    deactivated account is opened again. The caller commits."""
    resident = _resident(session, account)
    if resident.status != ResidentStatus.LIVING:
        raise ServiceError(_("Only a resident living in the village can have an account."), "not_living", 409)
    user = _user(session, account)
    pin = random_pin(resident)
    account.pin_hash = hash_secret(pin)
    account.must_change_pin = True
    account.failed_attempts = 0
    account.locked_until = None
    login_throttle.forget(session, sign_in_key(tenant, resident.nik))  # the resident may try at once
    account.pin_changed_at = _now()
    reopened = not account.active or not user.active
    account.active = True
    user.active = True
    user.session_version += 1
    auth_service.revoke_all_tokens(user, session)
    if not _has_resident_role(user, tenant.id):
        user_svc.grant(user, Role.RESIDENT, tenant=tenant, actor=actor, session=session)
    audit.record(
        "smart_government.account.pin_reset",
        actor=actor,
        tenant_id=tenant.id,
        target=f"resident:{account.resident_id}",
        session=session,
        reopened=reopened,
    )
    session.flush()
    return pin


def deactivate(tenant: Tenant, session: Session, account: ResidentAccount, actor: User | None) -> None:
    """Close an account: it cannot sign in, its sessions and tokens end. Kept for the record (a PIN
    reset opens it again). The caller commits."""
    user = _user(session, account)
    account.active = False
    user.active = False
    user.session_version += 1
    auth_service.revoke_all_tokens(user, session)
    audit.record(
        "smart_government.account.deactivated",
        actor=actor,
        tenant_id=tenant.id,
        target=f"resident:{account.resident_id}",
        session=session,
    )
    session.flush()


def _usable(tenant: Tenant, session: Session, nik: str) -> tuple[ResidentAccount, Resident, User] | None:
    """The account behind a NIK if it may sign in at all (active, living, still a resident here)."""
    if not nik:
        return None
    resident = session.scalar(select(Resident).where(Resident.nik == nik))
    if resident is None or resident.nik_temporary:
        return None
    account = account_for_resident(session, resident.id)
    if account is None:
        return None
    user = session.get(User, account.user_id)
    if user is None:
        return None
    return account, resident, user


def sign_in(tenant: Tenant, session: Session, nik: str, pin: str) -> User:
    """The user behind NIK and PIN in this village, or SignInFailed. Throttled per NIK and client
    like the staff sign-in (the same answers for NIKs with and without an account). Commits."""
    nik = clean_number(nik)
    found = _usable(tenant, session, nik)
    attempt = check_throttle(tenant, session, sign_in_key(tenant, nik), found[0] if found else None, "")
    if found is None:
        verify_secret(_DUMMY_HASH, pin or "")
        count_failure(tenant, session, attempt, None, "unknown")
        session.commit()
        raise _generic_failure()
    account, resident, user = found
    correct = verify_secret(account.pin_hash, pin or "")
    usable = (
        account.active
        and user.active
        and resident.status == ResidentStatus.LIVING
        and _has_resident_role(user, tenant.id)
    )
    if not correct or not usable:
        count_failure(tenant, session, attempt, account, "pin" if not correct else "inactive")
        session.commit()
        raise _generic_failure()
    if needs_rehash(account.pin_hash):
        account.pin_hash = hash_secret(pin)
    login_throttle.succeeded(session, attempt)
    account.last_sign_in_at = _now()
    user.last_login_at = _now()
    audit.record(
        "smart_government.account.signed_in",
        actor=user,
        tenant_id=tenant.id,
        target=f"resident:{account.resident_id}",
        session=session,
    )
    session.commit()
    return user


def change_pin(tenant: Tenant, session: Session, user: User, current: str, new: str) -> ResidentAccount:
    """Change the PIN (the current one is checked; a wrong one counts on the sign-in throttle of
    the NIK), clear "must change" and end the user's other sessions. A page keeps its own session
    by calling ``login_user(user)`` afterwards. Commits."""
    account = account_of(user, session)
    if account is None:
        raise NotFound(_("You have no resident account in this village."))
    resident = _resident(session, account)
    attempt = check_throttle(tenant, session, sign_in_key(tenant, resident.nik), account, "change_pin")
    if not verify_secret(account.pin_hash, current or ""):
        count_failure(tenant, session, attempt, account, "change_pin")
        session.commit()
        raise ServiceError(_("The current PIN is wrong."), "invalid_credentials", 400)
    if new == current:
        raise ServiceError(_("The new PIN must differ from the current one."), "same_pin")
    login_throttle.succeeded(session, attempt)
    _set_pin(session, account, user, resident, new)
    audit.record(
        "smart_government.account.pin_changed",
        actor=user,
        tenant_id=tenant.id,
        target=f"resident:{account.resident_id}",
        session=session,
    )
    session.commit()
    return account


# -- forgotten PIN: a one-time code to the phone on record ----------------------------------------------


def _serializer(tenant: Tenant) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"sg-pin-code:{tenant.id}")


def _code_digest(ticket_nonce: str, account_id: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{account_id}:{ticket_nonce}:{code}".encode(), hashlib.sha256).hexdigest()


def _fingerprint(pin_hash: str) -> str:
    return hashlib.sha256(pin_hash.encode()).hexdigest()[:16]


def _codes_sent_lately(session: Session, tenant: Tenant, account: ResidentAccount) -> int:
    since = _now() - timedelta(hours=1)
    return (
        session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "smart_government.account.pin_code_sent",
                AuditEvent.tenant_id == tenant.id,
                AuditEvent.target == f"resident:{account.resident_id}",
                AuditEvent.at >= since,
            )
        )
        or 0
    )


def request_pin_code(
    tenant: Tenant, session: Session, nik: str, kk_number: str, birth_date: date | None
) -> str:
    """Send a one-time code to the phone on record when NIK, KK number and birth date all match an
    active account; return a ticket either way (the same shape), so the answer never tells whether
    they matched. The ticket and the code together set a new PIN (:func:`reset_pin_with_code`)."""
    nik, kk_number = clean_number(nik), clean_number(kk_number)
    nonce = secrets.token_urlsafe(12)
    found = _usable(tenant, session, nik)
    payload = {
        "a": str(uuid.uuid4()),
        "n": nonce,
        "h": secrets.token_hex(32),
        "f": secrets.token_hex(8),
    }
    if found is not None:
        account, resident, user = found
        family = (
            session.scalar(select(Family).where(Family.id == resident.family_id))
            if resident.family_id
            else None
        )
        matches = (
            family is not None
            and family.kk_number == kk_number
            and resident.birth_date == birth_date
            and account.active
            and user.active
            and resident.status == ResidentStatus.LIVING
            and bool(resident.phone)
            and _locked(account) is None
        )
        if matches and _codes_sent_lately(session, tenant, account) < CODES_PER_HOUR:
            code = "".join(secrets.choice("0123456789") for _i in range(PIN_LENGTH))
            payload = {
                "a": str(account.id),
                "n": nonce,
                "h": _code_digest(nonce, str(account.id), code),
                "f": _fingerprint(account.pin_hash),
            }
            phone = user_svc.normalize_phone(resident.phone) or resident.phone
            send_code(tenant, session, (account, resident, user), phone, code, nonce)
            audit.record(
                "smart_government.account.pin_code_sent",
                tenant_id=tenant.id,
                target=f"resident:{account.resident_id}",
                actor_label=f"user:{account.user_id}",
                session=session,
            )
        else:
            verify_secret(_DUMMY_HASH, nonce)  # about the time a match takes
        session.commit()
    else:
        verify_secret(_DUMMY_HASH, nonce)
    return _serializer(tenant).dumps(payload)


@dataclass(frozen=True)
class Ticket:
    account_id: uuid.UUID
    nonce: str
    digest: str
    fingerprint: str


def read_ticket(tenant: Tenant, ticket: str) -> Ticket:
    """The ticket's content, or a ServiceError when it is forged or expired."""
    try:
        data = _serializer(tenant).loads(ticket, max_age=CODE_MINUTES * 60)
        return Ticket(uuid.UUID(data["a"]), data["n"], data["h"], data["f"])
    except SignatureExpired:
        raise ServiceError(_("This code has expired. Ask for a new one."), "code_expired", 400) from None
    except (BadSignature, KeyError, TypeError, ValueError):
        raise ServiceError(
            _("This reset request is not valid. Ask for a new code."), "code_invalid", 400
        ) from None


def reset_pin_with_code(tenant: Tenant, session: Session, ticket: str, code: str, new_pin: str) -> User:
    """Set a new PIN with the code sent to the resident's phone. A wrong code counts on the
    throttle of the account the ticket names (a real one or not: the answers are the same) and
    locks like wrong PINs; a code works once. Ends every session and token. Commits."""
    data = read_ticket(tenant, ticket)
    wrong = ServiceError(_("The code is wrong or no longer valid."), "code_invalid", 400)
    account = session.scalar(select(ResidentAccount).where(ResidentAccount.id == data.account_id))
    attempt = check_throttle(tenant, session, code_key(tenant, data.account_id), account, "reset_code")
    if account is None:  # no hashing on either path: the codes are compared by HMAC, timing alike
        count_failure(tenant, session, attempt, None, "reset_code")
        session.commit()
        raise wrong
    user = _user(session, account)
    resident = _resident(session, account)
    expected = _code_digest(data.nonce, str(account.id), (code or "").strip())
    if not (
        hmac.compare_digest(expected, data.digest)
        and hmac.compare_digest(_fingerprint(account.pin_hash), data.fingerprint)
    ):
        count_failure(tenant, session, attempt, account, "reset_code")
        session.commit()
        raise wrong
    if not (account.active and user.active and resident.status == ResidentStatus.LIVING):
        raise wrong
    _set_pin(session, account, user, resident, new_pin)  # a refused PIN leaves the code usable
    login_throttle.succeeded(session, attempt)
    login_throttle.forget(session, sign_in_key(tenant, resident.nik))
    auth_service.revoke_all_tokens(user, session)
    audit.record(
        "smart_government.account.pin_reset_by_code",
        actor=user,
        tenant_id=tenant.id,
        target=f"resident:{account.resident_id}",
        session=session,
    )
    session.commit()
    return user
