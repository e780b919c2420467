"""Words for social aid's stored values (sources, benefits, schedules, units, reasons, conflicts)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from desacerdas.services import aid_ledger
from desacerdas.web.labels import register_states

from .models import Benefit, ConflictKind, EndReason, Proof, Schedule, Source, Unit

SOURCE_LABELS = {
    Source.BLT_DD: _l("BLT-DD (village funds)"),
    Source.PKH: _l("PKH (Kemensos)"),
    Source.BPNT: _l("BPNT (Kemensos)"),
    Source.SEMBAKO: _l("Sembako (Kemensos)"),
    Source.PROVINCE: _l("Province"),
    Source.REGENCY: _l("Regency"),
    Source.OTHER: _l("Other"),
}

BENEFIT_LABELS = {Benefit.CASH: _l("Cash"), Benefit.GOODS: _l("Goods")}

SCHEDULE_LABELS = {
    Schedule.MONTHLY: _l("monthly"),
    Schedule.QUARTERLY: _l("quarterly"),
    Schedule.ONE_OFF: _l("once"),
}

UNIT_LABELS = {Unit.FAMILY: _l("a family (KK)"), Unit.PERSON: _l("a person")}

END_LABELS = {
    EndReason.MOVED: _l("moved away"),
    EndReason.DIED: _l("died"),
    EndReason.NOT_ELIGIBLE: _l("no longer eligible"),
    EndReason.OTHER: _l("another reason"),
}

CONFLICT_LABELS = {
    ConflictKind.SAME_PROGRAMME: _l("already in this programme"),
    ConflictKind.EXCLUDED: _l("receives aid that excludes this one"),
    ConflictKind.OTHER_VILLAGE: _l("receives aid in another village"),
}

PROOF_LABELS = {Proof.SIGNATURE: _l("signature on the printed list"), Proof.PHOTO: _l("photo")}


def source_label(value: str) -> str:
    try:
        return str(SOURCE_LABELS[Source(value)])
    except ValueError:
        return value


register_states(aid_ledger.SOURCE_KIND, {s.value: label for s, label in SOURCE_LABELS.items()})
