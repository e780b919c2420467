"""Handing aid over: the programme's periods, each recipient's receipt with its proof, the
printable distribution list (PDF, signed on paper) and the report of a period."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desacerdas.kit import paper
from desacerdas.kit.access import scope_for
from desacerdas.models import Hamlet, Tenant, User
from desacerdas.services import ServiceError, audit, images
from desacerdas.services import documents as docs
from desacerdas.services.i18n import _
from desacerdas.web.formatting import rupiah

from ..complaints.service import today_in
from ..permissions import AID_DISTRIBUTE, AID_VIEW
from .models import AidProgramme, AidReceipt, AidRecipient, Benefit, Proof, RecipientStatus, Schedule
from .service import DOCUMENT_KIND

ONCE = "once"
MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
ROMAN = ("I", "II", "III", "IV")


def periods(programme: AidProgramme) -> list[str]:
    """The programme's periods, first to last: ``2026-01`` (monthly), ``2026-Q1``, or ``once``."""
    if programme.schedule == Schedule.ONE_OFF:
        return [ONCE]
    out: list[str] = []
    y, m = programme.period_start.year, programme.period_start.month
    while (y, m) <= (programme.period_end.year, programme.period_end.month):
        key = f"{y}-{m:02}" if programme.schedule == Schedule.MONTHLY else f"{y}-Q{(m - 1) // 3 + 1}"
        if key not in out:
            out.append(key)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def period_label(key: str, locale: str = "id") -> str:
    """``Desember 2026``, ``Triwulan IV 2026``, ``Sekali`` (or the English words)."""
    if key == ONCE:
        return "Sekali" if locale == "id" else "Once"
    year, part = key.split("-")
    if part.startswith("Q"):
        q = int(part[1:])
        return f"Triwulan {ROMAN[q - 1]} {year}" if locale == "id" else f"Quarter {q} {year}"
    month = int(part)
    if locale == "id":
        return f"{MONTHS_ID[month - 1]} {year}"
    return f"{date(2000, month, 1).strftime('%B')} {year}"


def current_period(programme: AidProgramme, today: date) -> str:
    """The period containing ``today``, or the nearest one of the programme."""
    keys = periods(programme)
    if programme.schedule == Schedule.ONE_OFF:
        return ONCE
    key = (
        f"{today.year}-{today.month:02}"
        if programme.schedule == Schedule.MONTHLY
        else (f"{today.year}-Q{(today.month - 1) // 3 + 1}")
    )
    if key in keys:
        return key
    return keys[0] if today < programme.period_start else keys[-1]


def check_period(programme: AidProgramme, key: str) -> str:
    if key not in periods(programme):
        raise ServiceError(_("This programme has no such period."), "unknown_period", 404)
    return key


def record_receipt(
    session: Session,
    tenant: Tenant,
    user: User,
    recipient: AidRecipient,
    *,
    period: str,
    handed_by: str,
    proof: str,
    received_on: date | None = None,
    amount: int | None = None,
    goods: str | None = None,
    photo: docs.NewFile | None = None,
) -> AidReceipt:
    """A recipient received one period's aid; commits (a photo is a stored document, which
    exists only together with its row)."""
    scope = scope_for(user, tenant, AID_DISTRIBUTE)
    if not scope.allows(hamlet_id=recipient.hamlet_id):
        raise ServiceError(_("You record receipts of your own hamlet only."), "forbidden", 403)
    if recipient.status != RecipientStatus.RECIPIENT:
        raise ServiceError(_("%(name)s is not a recipient now.", name=recipient.name), "not_recipient", 409)
    programme = session.get(AidProgramme, (tenant.id, recipient.programme_id))
    check_period(programme, period)
    received_on = received_on or today_in(tenant)
    if received_on > today_in(tenant):
        raise ServiceError(_("The day of receipt is in the future."), "received_on_future", 400)
    handed_by = " ".join((handed_by or "").split())[:120]
    if not handed_by:
        raise ServiceError(_("Say who handed the aid over."), "handed_by_required", 400)
    try:
        proof_v = Proof(proof)
    except ValueError:
        raise ServiceError(
            _("Choose the proof: a signature on the printed list, or a photo."), "proof", 400
        ) from None
    if proof_v == Proof.PHOTO and photo is None:
        raise ServiceError(_("Add the photo of the handover."), "photo_required", 400)
    if amount is not None and amount < 0:
        raise ServiceError(_("An amount is not negative."), "amount", 400)
    taken = session.scalar(
        select(AidReceipt.id).where(AidReceipt.recipient_id == recipient.id, AidReceipt.period == period)
    )
    if taken is not None:
        raise ServiceError(
            _("%(name)s already received the aid of this period.", name=recipient.name),
            "already_received",
            409,
        )
    receipt = AidReceipt(
        programme_id=programme.id,
        recipient_id=recipient.id,
        period=period,
        received_on=received_on,
        amount=(amount if amount is not None else programme.amount)
        if programme.benefit == Benefit.CASH
        else None,
        goods=(" ".join((goods or "").split())[:200] or programme.goods)
        if programme.benefit == Benefit.GOODS
        else None,
        handed_by=handed_by,
        proof=proof_v,
        recorded_by=user.id,
    )
    session.add(receipt)
    session.flush()
    audit.record(
        "smart_society.aid.received",
        actor=user,
        tenant_id=tenant.id,
        target=f"aid_candidate:{recipient.id}",
        session=session,
        period=period,
    )
    if photo is not None:
        photo = images.bounded_upload(photo)  # small, upright, without the phone's location
        receipt.photo_document_id = uuid.uuid4()
        docs.store_all(
            tenant,
            [
                docs.NewDocument(
                    photo,
                    f"{programme.name}: {recipient.name} ({period_label(period)})",
                    kind=DOCUMENT_KIND,
                    plugin="smart_society",
                    object_id=str(receipt.id),
                    document_id=receipt.photo_document_id,
                )
            ],
            actor=user,
            session=session,
        )
    else:
        session.commit()
    return receipt


@dataclass
class Line:
    recipient: AidRecipient
    receipt: AidReceipt | None
    hamlet: str | None


@dataclass
class Report:
    programme: AidProgramme
    period: str
    lines: list[Line]

    @property
    def recipients(self) -> int:
        return len(self.lines)

    @property
    def received(self) -> int:
        return sum(1 for line in self.lines if line.receipt is not None)

    @property
    def waiting(self) -> int:
        return self.recipients - self.received

    @property
    def amount(self) -> int:
        return sum(line.receipt.amount or 0 for line in self.lines if line.receipt is not None)

    def by_hamlet(self) -> list[tuple[str, int, int]]:
        """(hamlet, recipients, received), by hamlet name."""
        out: dict[str, list[int]] = {}
        for line in self.lines:
            row = out.setdefault(line.hamlet or "—", [0, 0])
            row[0] += 1
            row[1] += line.receipt is not None
        return [(name, n, got) for name, (n, got) in sorted(out.items())]


def report(session: Session, tenant: Tenant, user: User, programme: AidProgramme, period: str) -> Report:
    """Who should receive this period's aid (recipients now, and those who received it), who did."""
    scope = scope_for(user, tenant, AID_VIEW)
    check_period(programme, period)
    receipts = {
        r.recipient_id: r
        for r in session.scalars(
            select(AidReceipt).where(AidReceipt.programme_id == programme.id, AidReceipt.period == period)
        )
    }
    stmt = select(AidRecipient).where(AidRecipient.programme_id == programme.id)
    stmt = scope.filter(stmt, hamlet_column=AidRecipient.hamlet_id)
    hamlets = {h.id: h.name for h in session.scalars(select(Hamlet))}
    lines = [
        Line(r, receipts.get(r.id), hamlets.get(r.hamlet_id))
        for r in session.scalars(stmt.order_by(AidRecipient.name, AidRecipient.id))
        if r.status == RecipientStatus.RECIPIENT or r.id in receipts
    ]
    lines.sort(key=lambda line: (line.hamlet or "", line.recipient.name))
    return Report(programme, period, lines)


def masked(nik: str) -> str:
    """A NIK on paper shows its first six and last four digits (the list goes round the banjar)."""
    return nik if len(nik) < 12 else f"{nik[:6]}••••••{nik[-4:]}"


def distribution_pdf(session: Session, tenant: Tenant, rep: Report) -> bytes:
    """The printed list recipients sign when they receive the period's aid (in Indonesian)."""
    programme = rep.programme
    created = datetime.combine(today_in(tenant), datetime.min.time(), tzinfo=UTC)
    pdf = paper.new_pdf(
        title=f"Daftar penerima {programme.name} {period_label(rep.period)}",
        subject="Daftar penyaluran bantuan sosial",
        author=tenant.name,
        created_at=created,
    )
    pdf.add_page()
    paper.draw_letterhead(pdf, paper.letterhead_for(session, tenant))
    paper.draw_heading(pdf, "Daftar Penerima Bantuan", None)
    pdf.set_font("Helvetica", "", 10)
    benefit = (
        rupiah(programme.amount, missing="") if programme.benefit == Benefit.CASH else (programme.goods or "")
    )
    for label, value in (
        ("Program", programme.name),
        ("Periode", period_label(rep.period)),
        ("Bantuan", benefit),
        ("Jumlah penerima", str(rep.recipients)),
    ):
        pdf.cell(40, 6, paper.pdf_text(label))
        pdf.cell(0, 6, paper.pdf_text(f": {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    widths = (9, 52, 34, 28, 22, 35)
    heads = ("No", "Nama", "NIK", "Banjar/Dusun", "Diterima", "Tanda tangan")
    pdf.set_font("Helvetica", "B", 9)
    for w, h in zip(widths, heads, strict=True):
        pdf.cell(w, 7, paper.pdf_text(h), border=1, align="C")
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for number, line in enumerate(rep.lines, start=1):
        got = line.receipt.received_on.strftime("%d-%m-%Y") if line.receipt is not None else ""
        cells = (
            str(number),
            line.recipient.name[:34],
            masked(line.recipient.nik),
            (line.hamlet or "")[:18],
            got,
            "",
        )
        for w, value in zip(widths, cells, strict=True):
            pdf.cell(w, 9, paper.pdf_text(value), border=1)
        pdf.ln()
    pdf.ln(8)
    pdf.cell(0, 6, paper.pdf_text(f"{tenant.name}, {paper.indonesian_date(today_in(tenant))}"), align="R")
    pdf.ln(6)
    pdf.cell(0, 6, paper.pdf_text("Petugas penyalur,"), align="R")
    pdf.ln(22)
    pdf.cell(0, 6, "(..............................)", align="R")
    return paper.finish(pdf)
