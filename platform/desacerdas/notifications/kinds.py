"""What kinds of message exist: their audience, channels in order, and default wording.

The core declares its own kinds here; plugins declare theirs through the
``desa_notification_kinds`` hook (collected once per app, lazily, so that a plugin loaded after
this module still counts). Wording is Jinja text rendered in a sandbox (``templates.py``) with the
notification's ``data`` and the village's own terms (``terms.village_head`` ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from flask import Flask
from flask_babel import lazy_gettext as _l

Audience = Literal["resident", "staff", "any"]
EXTERNAL_CHANNELS: tuple[str, ...] = ("whatsapp", "sms", "email")
CHANNELS: tuple[str, ...] = ("inbox", *EXTERNAL_CHANNELS)
LOCALES: tuple[str, ...] = ("id", "en")
SECRET_MASK = "••••••"  # noqa: S105 - what staff see of a secret text, and what it becomes once delivered


@dataclass(frozen=True)
class NotificationKind:
    """One kind of message (``smart_government.letter_issued``, ``auth.password_reset`` ...).

    ``templates`` maps a locale to ``{"subject": ..., "body": ...}`` (optionally ``"sms"``, a
    shorter text for SMS; the body is used otherwise). ``whatsapp_params`` names the ``data`` keys
    that fill the pre-approved WhatsApp template's body parameters, in order.
    """

    key: str
    title: Any  # a LazyString: shown on settings and staff pages
    audience: Audience
    channels: tuple[str, ...]
    templates: dict[str, dict[str, str]]
    whatsapp_template: str | None = None
    whatsapp_params: tuple[str, ...] = field(default_factory=tuple)
    secret: bool = False
    sample: dict[str, Any] = field(default_factory=dict)  # example data for previews and checks

    def __post_init__(self) -> None:
        unknown = [c for c in self.channels if c not in EXTERNAL_CHANNELS]
        if unknown:
            raise ValueError(f"kind {self.key}: unknown channels {unknown}")
        if "en" not in self.templates and "id" not in self.templates:
            raise ValueError(f"kind {self.key}: needs wording in 'id' or 'en'")


_core: dict[str, NotificationKind] = {}
CACHE = "desa_notification_kinds"


def register_kind(kind: NotificationKind) -> None:
    """Declare a kind from the core (plugins use the ``desa_notification_kinds`` hook instead)."""
    _core[kind.key] = kind


def collect(app: Flask) -> dict[str, NotificationKind]:
    """Ask every working plugin for its kinds (``desa_notification_kinds``), once per app: at
    start-up, so that a plugin's kind with a bad key fails loudly and early."""
    cached: dict[str, NotificationKind] = {}
    registry = app.extensions.get("desa_plugins")
    if registry is not None:
        for group in registry.all.desa_notification_kinds() or []:
            for kind in group or []:
                cached[kind.key] = kind
    app.extensions[CACHE] = cached
    return cached


def _from_plugins() -> dict[str, NotificationKind]:
    from flask import current_app, has_app_context

    if not has_app_context():
        return {}
    cached = current_app.extensions.get(CACHE)
    return cached if cached is not None else collect(current_app._get_current_object())  # noqa: SLF001


def all_kinds() -> dict[str, NotificationKind]:
    """Every kind known to this app: the core's and every working plugin's."""
    return {**_from_plugins(), **_core}


def get_kind(key: str) -> NotificationKind:
    """The kind named ``key``; KeyError for a kind nobody declared (a programming error)."""
    kinds = all_kinds()
    if key not in kinds:
        raise KeyError(f"unknown notification kind {key!r}")
    return kinds[key]


CONTACT_VERIFY = NotificationKind(
    key="contact.verify",
    title=_l("Contact verification code"),
    audience="any",
    channels=("sms", "whatsapp", "email"),
    templates={
        "id": {
            "subject": "Kode verifikasi {{ terms.village_title or 'Desa Cerdas' }}",
            "body": "Kode verifikasi Anda: {{ code }}. Berlaku {{ minutes }} menit. "
            "Jangan berikan kode ini kepada siapa pun.",
        },
        "en": {
            "subject": "Verification code for {{ terms.village_title or 'Desa Cerdas' }}",
            "body": "Your verification code: {{ code }}. Valid for {{ minutes }} minutes. "
            "Do not share this code with anyone.",
        },
    },
    whatsapp_template="desa_verification_code",
    whatsapp_params=("code",),
    secret=True,
    sample={"code": "123456", "minutes": 10},
)

PASSWORD_RESET = NotificationKind(
    key="auth.password_reset",
    title=_l("Password reset link"),
    audience="any",
    channels=("email", "whatsapp", "sms"),
    templates={
        "id": {
            "subject": "Atur ulang kata sandi Desa Cerdas",
            "body": "Halo {{ name }},\n\nSeseorang meminta pengaturan ulang kata sandi akun Anda. "
            "Buka tautan ini dalam {{ minutes }} menit untuk memilih kata sandi baru:\n{{ link }}\n\n"
            "Jika Anda tidak memintanya, abaikan pesan ini.",
        },
        "en": {
            "subject": "Reset your Desa Cerdas password",
            "body": "Hello {{ name }},\n\nSomeone asked to reset the password of your account. "
            "Open this link within {{ minutes }} minutes to choose a new password:\n{{ link }}\n\n"
            "If you did not ask for it, ignore this message.",
        },
    },
    whatsapp_template="desa_password_reset",
    whatsapp_params=("link",),
    secret=True,
    sample={"name": "Made", "link": "https://desa.example/reset/abc", "minutes": 60},
)

register_kind(CONTACT_VERIFY)
register_kind(PASSWORD_RESET)
