"""Demo social aid, made through the real services: three programmes of this year (BLT-DD, which
excludes PKH and BPNT; PKH from the ministry's list, imported; BPNT), candidates proposed and
decided by a Musdes, one family caught receiving PKH when proposed for BLT-DD (held back, then
refused), and the last months' handovers of BLT-DD."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desacerdas.models import Tenant, User

from ..complaints.service import today_in
from . import deliberation, distribution, importing, service
from .models import AidProgramme, RecipientStatus


def _heads(session: Session, limit: int) -> list:
    """One living adult per family, the oldest, for the first families of the registry."""
    from smart_government.registry.models import Family, Resident, ResidentStatus

    out = []
    for family_id in session.scalars(select(Family.id).order_by(Family.kk_number).limit(limit * 2)):
        head = session.scalar(
            select(Resident)
            .where(
                Resident.family_id == family_id,
                Resident.status == ResidentStatus.LIVING,
                Resident.nik_temporary.is_(False),
            )
            .order_by(Resident.birth_date, Resident.id)
            .limit(1)
        )
        if head is not None:
            out.append(head)
        if len(out) == limit:
            break
    return out


def load(tenant: Tenant, session: Session) -> int:
    """Fill the village's social aid once; returns the programmes made (0 when there were some)."""
    if session.scalar(select(func.count(AidProgramme.id))):
        return 0
    from smart_government.letters.demo import _village_head

    head: User = _village_head(tenant, session)
    heads = _heads(session, 12)
    if len(heads) < 6:
        return 0
    today = today_in(tenant)
    year_start, year_end = date(today.year, 1, 1), date(today.year, 12, 31)
    blt = service.save_programme(
        session, tenant, head,
        name=f"BLT Dana Desa {today.year}", source="blt_dd", benefit="cash", amount=300_000,
        schedule="monthly", unit="family", period_start=year_start, period_end=year_end, quota=40,
        criteria="Keluarga miskin ekstrem yang belum menerima PKH atau BPNT; kehilangan mata pencaharian; "
        "anggota keluarga sakit menahun.",
        excludes=["pkh", "bpnt"],
    )  # fmt: skip
    pkh = service.save_programme(
        session, tenant, head,
        name=f"PKH {today.year}", source="pkh", benefit="cash", amount=750_000, schedule="quarterly",
        unit="family", period_start=year_start, period_end=year_end,
        criteria="Penetapan Kementerian Sosial (DTSEN).",
    )  # fmt: skip
    service.save_programme(
        session, tenant, head,
        name=f"BPNT {today.year}", source="bpnt", benefit="goods", goods="Beras 10 kg dan telur 1 kg",
        schedule="monthly", unit="family", period_start=year_start, period_end=year_end,
        criteria="Penetapan Kementerian Sosial (DTSEN).",
    )  # fmt: skip
    # The ministry's PKH list for three families, imported as a file would be.
    listing = "NIK,NAMA\n" + "".join(f"{r.nik},{r.name}\n" for r in heads[:3])
    importing.import_list(session, tenant, head, pkh, io.BytesIO(listing.encode()), "pkh.csv", dry_run=False)
    session.commit()
    # BLT-DD candidates: the third PKH family among them is caught.
    proposed = [
        service.propose(
            session, tenant, head, blt, r.id, "Kehilangan pekerjaan; lansia tinggal sendiri."
        ).candidate
        for r in heads[2:10]
    ]
    session.commit()
    caught, *others = proposed
    result = deliberation.decide(
        session, tenant, head, blt,
        held_on=date(today.year, max(1, today.month - 2), 5),
        decree_number=f"141/{today.year % 100:02}/KEP/DS",
        note="Musyawarah desa khusus penetapan penerima BLT-DD.",
        approve=[caught.id, *(c.id for c in others[:-1])],
        refuse={others[-1].id: "Keluarga sudah memiliki usaha dan penghasilan tetap."},
    )  # fmt: skip
    if caught in [c for c, _why in result.held]:
        deliberation.decide(
            session, tenant, head, blt,
            held_on=date(today.year, max(1, today.month - 2), 5),
            refuse={caught.id: "Sudah menerima PKH pada periode yang sama."},
        )  # fmt: skip
    months = distribution.periods(blt)
    current = distribution.current_period(blt, today)
    recent = [m for m in months if m <= current][-3:-1]  # the two months before this one
    for period in recent:
        for recipient in result.approved:
            if recipient.status != RecipientStatus.RECIPIENT:
                continue
            distribution.record_receipt(
                session, tenant, head, recipient, period=period, handed_by="Kelian banjar",
                proof="signature", received_on=date(int(period[:4]), int(period[5:]), 10),
            )  # fmt: skip
    return 3
