"""Alert and warning messages: the handlers of the hamlet hear of an alert at once on every channel
they have (inbox, WhatsApp, SMS, e-mail: ``notify(every_channel=True)``); residents with an account
in the warned area hear of a warning."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from desacerdas.notifications import NotificationKind

RAISED = "smart_society.alert_raised"
WARNING = "smart_society.warning"


def _wording(id_subject: str, id_body: str, en_subject: str, en_body: str) -> dict[str, dict[str, str]]:
    return {"id": {"subject": id_subject, "body": id_body}, "en": {"subject": en_subject, "body": en_body}}


def kinds() -> list[NotificationKind]:
    return [
        NotificationKind(
            key=RAISED,
            title=_l("Emergency alert"),
            audience="staff",
            channels=("whatsapp", "sms", "email"),
            templates=_wording(
                "DARURAT: {{ name }} di {{ place }}",
                "DARURAT di {{ village.name }}: {{ name }} ({{ place }}) menekan tombol darurat. "
                "{{ note }} Tanggapi: {{ link }}",
                "EMERGENCY: {{ name }} in {{ place }}",
                "EMERGENCY in {{ village.name }}: {{ name }} ({{ place }}) pressed the alarm. "
                "{{ note }} Respond: {{ link }}",
            ),
            whatsapp_template="desa_alert_raised",
            whatsapp_params=("name", "place"),
            sample={
                "name": "I Wayan Sudarsana",
                "place": "Banjar Dinas Kaja",
                "note": "",
                "village_name": "Menanga",
                "link": "https://desa.example/desa/menanga/smart_society/alerts/1",
            },
        ),
        NotificationKind(
            key=WARNING,
            title=_l("Warning to residents"),
            audience="resident",
            channels=("whatsapp", "sms", "email"),
            templates=_wording(
                "Peringatan {{ hazard }} untuk {{ area }}",
                "PERINGATAN {{ hazard }} dari {{ village.name }} untuk {{ area }}: {{ message }}",
                "{{ hazard }} warning for {{ area }}",
                "{{ hazard }} WARNING from {{ village.name }} for {{ area }}: {{ message }}",
            ),
            whatsapp_template="desa_warning",
            whatsapp_params=("hazard", "area", "message"),
            sample={
                "hazard": "banjir",
                "area": "Banjar Dinas Kaja",
                "message": "Air sungai naik, jauhi bantaran.",
                "village_name": "Menanga",
            },
        ),
    ]
