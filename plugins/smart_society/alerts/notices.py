"""Alert and warning messages: the handlers of the hamlet hear of an alert at once on every channel
they have (inbox, WhatsApp, SMS, e-mail: ``notify(every_channel=True)``); residents with an account
in the warned area hear of a warning."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from desacerdas.notifications import NotificationKind

RAISED = "smart_society.alert_raised"
WARNING = "smart_society.warning"


# Stored values in the reader's words: the data carries codes, the wording in each language names them.
_HAZARD_ID = (
    '{{ {"flood": "banjir", "fire": "kebakaran", "volcano": "aktivitas gunung api", "landslide": '
    '"tanah longsor", "earthquake": "gempa bumi"}.get(hazard, "bahaya") }}'
)
_HAZARD_EN = (
    '{{ {"flood": "flood", "fire": "fire", "volcano": "volcanic activity", "landslide": "landslide", '
    '"earthquake": "earthquake"}.get(hazard, "danger") }}'
)
_AREA_ID = '{{ area or "seluruh desa" }}'
_AREA_EN = '{{ area or "the whole village" }}'
_PLACE_ID = '{{ place or "desa" }}'
_PLACE_EN = '{{ place or "the village" }}'


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
                f"DARURAT: {{{{ name }}}} di {_PLACE_ID}",
                f"DARURAT di {{{{ village.name }}}}: {{{{ name }}}} ({_PLACE_ID}) menekan tombol darurat. "
                "{{ note }} Tanggapi: {{ link }}",
                f"EMERGENCY: {{{{ name }}}} in {_PLACE_EN}",
                f"EMERGENCY in {{{{ village.name }}}}: {{{{ name }}}} ({_PLACE_EN}) pressed the alarm. "
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
                f"Peringatan {_HAZARD_ID} untuk {_AREA_ID}",
                f"PERINGATAN {_HAZARD_ID} dari {{{{ village.name }}}} untuk {_AREA_ID}: {{{{ message }}}}",
                f"Warning of {_HAZARD_EN} for {_AREA_EN}",
                f"WARNING of {_HAZARD_EN} from {{{{ village.name }}}} for {_AREA_EN}: {{{{ message }}}}",
            ),
            whatsapp_template="desa_warning",
            whatsapp_params=("hazard_words", "area_words", "message"),
            sample={
                "hazard": "flood",
                "hazard_words": "banjir",
                "area_words": "Banjar Dinas Kaja",
                "area": "Banjar Dinas Kaja",
                "message": "Air sungai naik, jauhi bantaran.",
                "village_name": "Menanga",
            },
        ),
    ]
