"""The messages this pillar sends (``desa_notification_kinds``): a PIN reset code, a registration's
decision, every move of a letter request, and the reminder about requests waiting too long.

Wording is Jinja text rendered by the notifications core with the notification's ``data`` (the keys
named below) and the village's own terms; villages may edit the inbox and e-mail wording. WhatsApp
sends the pre-approved template named here with ``whatsapp_params`` as its body parameters.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from desacerdas.notifications import NotificationKind

PIN_CODE = "smart_government.pin_code"
REGISTRATION_APPROVED = "smart_government.registration_approved"
REGISTRATION_REJECTED = "smart_government.registration_rejected"
LETTER_SUBMITTED = "smart_government.letter_submitted"
LETTER_OVERDUE = "smart_government.letter_overdue"
# A letter request's moves the resident hears of, by the word the workflow records.
LETTER_MOVES = ("verified", "approved", "signed", "issued", "rejected")


def letter_kind(word: str) -> str:
    """``smart_government.letter_<word>``: the kind telling the resident of one move."""
    return f"smart_government.letter_{word}"


def _wording(id_subject: str, id_body: str, en_subject: str, en_body: str) -> dict[str, dict[str, str]]:
    return {"id": {"subject": id_subject, "body": id_body}, "en": {"subject": en_subject, "body": en_body}}


_RESIDENT_CHANNELS = ("whatsapp", "sms", "email")
# What previews and the wording check fill the texts with.
LETTER_SAMPLE = {
    "name": "I Wayan Sudarsana",
    "letter": "Surat Keterangan Domisili",
    "village_name": "Menanga",
    "number": "470/012/DS/XII/2026",
    "link": "https://desa.example/desa/menanga/smart_government/letters/1/pdf",
    "reason": "Foto KK tidak terbaca.",
}

_LETTER_WORDING = {
    "verified": (
        _l("Letter request verified"),
        _wording(
            "Permohonan {{ letter }} sudah diverifikasi",
            "Halo {{ name }}, permohonan {{ letter }} Anda di {{ village.name }} sudah diverifikasi "
            "dan diteruskan ke langkah berikutnya.",
            "Your request for {{ letter }} is verified",
            "Hello {{ name }}, your request for {{ letter }} in {{ village.name }} is verified "
            "and goes on to the next step.",
        ),
        ("name", "letter"),
    ),
    "approved": (
        _l("Letter request approved"),
        _wording(
            "Permohonan {{ letter }} disetujui",
            "Halo {{ name }}, permohonan {{ letter }} Anda di {{ village.name }} sudah disetujui "
            "dan menunggu tanda tangan.",
            "Your request for {{ letter }} is approved",
            "Hello {{ name }}, your request for {{ letter }} in {{ village.name }} is approved "
            "and waits to be signed.",
        ),
        ("name", "letter"),
    ),
    "signed": (
        _l("Letter signed"),
        _wording(
            "Surat {{ letter }} sudah ditandatangani",
            "Halo {{ name }}, surat {{ letter }} Anda di {{ village.name }} sudah ditandatangani "
            "dan segera diterbitkan.",
            "Your {{ letter }} is signed",
            "Hello {{ name }}, your {{ letter }} in {{ village.name }} is signed and will be issued soon.",
        ),
        ("name", "letter"),
    ),
    "issued": (
        _l("Letter issued"),
        _wording(
            "Surat {{ letter }} sudah terbit",
            "Halo {{ name }}, surat {{ letter }} Anda nomor {{ number }} sudah terbit. Unduh di: {{ link }}",
            "Your {{ letter }} is issued",
            "Hello {{ name }}, your {{ letter }} number {{ number }} is issued. Download it at: {{ link }}",
        ),
        ("name", "letter", "number", "link"),
    ),
    "rejected": (
        _l("Letter request refused"),
        _wording(
            "Permohonan {{ letter }} ditolak",
            "Halo {{ name }}, permohonan {{ letter }} Anda di {{ village.name }} ditolak. "
            "Alasannya: {{ reason }}",
            "Your request for {{ letter }} is refused",
            "Hello {{ name }}, your request for {{ letter }} in {{ village.name }} is refused. "
            "The reason: {{ reason }}",
        ),
        ("name", "letter", "reason"),
    ),
}


def _letter_kinds() -> list[NotificationKind]:
    return [
        NotificationKind(
            key=letter_kind(word),
            title=title,
            audience="resident",
            channels=_RESIDENT_CHANNELS,
            templates=templates,
            whatsapp_template=f"desa_letter_{word}",
            whatsapp_params=params,
            sample=LETTER_SAMPLE,
        )
        for word, (title, templates, params) in _LETTER_WORDING.items()
    ]


def _account_kinds() -> list[NotificationKind]:
    return [
        NotificationKind(
            key=PIN_CODE,
            title=_l("PIN reset code"),
            audience="resident",
            channels=("sms", "whatsapp"),
            templates=_wording(
                "Kode atur ulang PIN",
                "Kode untuk mengatur ulang PIN Anda di {{ village.name }}: {{ code }}. Berlaku {{ minutes }} "
                "menit. Jangan berikan kode ini kepada siapa pun.",
                "PIN reset code",
                "The code to reset your PIN in {{ village.name }}: {{ code }}. "
                "Valid for {{ minutes }} minutes. Do not share this code with anyone.",
            ),
            whatsapp_template="desa_pin_code",
            whatsapp_params=("code",),
            secret=True,
            sample={"code": "482913", "minutes": 15, "village_name": "Menanga"},
        ),
        NotificationKind(
            key=REGISTRATION_APPROVED,
            title=_l("Registration approved"),
            audience="resident",
            channels=_RESIDENT_CHANNELS,
            templates=_wording(
                "Pendaftaran Anda disetujui",
                "Halo {{ name }}, pendaftaran Anda di {{ village.name }} sudah disetujui. "
                "{% if account %}Anda dapat masuk dengan NIK dan PIN dari kantor desa.{% endif %}",
                "Your registration is approved",
                "Hello {{ name }}, your registration in {{ village.name }} is approved. "
                "{% if account %}Sign in with your NIK and the PIN from the village office.{% endif %}",
            ),
            whatsapp_template="desa_registration_approved",
            whatsapp_params=("name", "village_name"),
            sample={"name": "I Wayan Sudarsana", "village_name": "Menanga", "account": True},
        ),
        NotificationKind(
            key=REGISTRATION_REJECTED,
            title=_l("Registration refused"),
            audience="resident",
            channels=_RESIDENT_CHANNELS,
            templates=_wording(
                "Pendaftaran Anda ditolak",
                "Halo {{ name }}, pendaftaran Anda di {{ village.name }} ditolak. Alasannya: {{ reason }}",
                "Your registration is refused",
                "Hello {{ name }}, your registration in {{ village.name }} is refused. "
                "The reason: {{ reason }}",
            ),
            whatsapp_template="desa_registration_rejected",
            whatsapp_params=("name", "village_name", "reason"),
            sample={"name": "I Wayan Sudarsana", "village_name": "Menanga", "reason": "Foto KTP buram."},
        ),
    ]


def _staff_kinds() -> list[NotificationKind]:
    return [
        NotificationKind(
            key=LETTER_SUBMITTED,
            title=_l("New letter request"),
            audience="staff",
            channels=("email", "whatsapp"),
            templates=_wording(
                "Permohonan baru: {{ letter }}",
                "{{ resident }} mengajukan {{ letter }}. Buka antrean permohonan: {{ link }}",
                "New request: {{ letter }}",
                "{{ resident }} asks for {{ letter }}. Open the request queue: {{ link }}",
            ),
            whatsapp_template="desa_letter_submitted",
            whatsapp_params=("resident", "letter"),
            sample={**LETTER_SAMPLE, "resident": "I Wayan Sudarsana"},
        ),
        NotificationKind(
            key=LETTER_OVERDUE,
            title=_l("Letter requests waiting too long"),
            audience="staff",
            channels=("email", "whatsapp"),
            templates=_wording(
                "{{ count }} permohonan surat melewati standar layanan",
                "{{ count }} permohonan surat di {{ village.name }} menunggu lebih dari {{ days }} hari. "
                "Buka antrean permohonan: {{ link }}",
                "{{ count }} letter requests are past the service standard",
                "{{ count }} letter requests in {{ village.name }} have waited more than {{ days }} days. "
                "Open the request queue: {{ link }}",
            ),
            whatsapp_template="desa_letter_overdue",
            whatsapp_params=("count", "days"),
            sample={"count": 3, "days": 3, "village_name": "Menanga", "link": LETTER_SAMPLE["link"]},
        ),
    ]


def kinds() -> list[NotificationKind]:
    """Every kind of the pillar (the hook's answer)."""
    return [*_account_kinds(), *_letter_kinds(), *_staff_kinds()]
