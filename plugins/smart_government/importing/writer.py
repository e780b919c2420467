"""The bulk writer of an import: plans every row in chunks (the dry run), then writes families,
residents and their audit events with bulk statements in one transaction (the commit)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desacerdas.kit import tabular
from desacerdas.models import AuditEvent, Hamlet, Tenant, User
from desacerdas.models.base import utcnow
from desacerdas.services import ServiceError, audit
from desacerdas.services.i18n import _
from desacerdas.tenancy import current_tenant_id

from ..registry import service as registry
from ..registry.models import FAMILY_FK, Family, Resident
from ..registry.validation import is_temporary
from .parser import _parse, _Parsed
from .reader import (
    Source,
    _cell,
    _detect,
    _Layout,
    estimate_rows,  # noqa: F401 - with plan_import and commit_import, the API
    read_rows,
)
from .report import ImportReport, Problem

PROGRESS_EVERY = 1000  # rows between two progress calls
MAX_PROBLEMS = 1000  # problems kept in a report; ``problem_count`` counts them all
CHUNK_ROWS = 1000  # rows resolved (and, on commit, written) together
PARAMETERS_PER_STATEMENT = 10_000  # bound values in one multi-row statement (SQLite allows 32,766)

Progress = Callable[[int], None]

# Compared with what is registered to tell an update from a skip.
_COMPARED = tuple(sorted(registry.RESIDENT_FIELDS - {"nik", "family_id"}))


# -- planning and applying -------------------------------------------------------------------------


@dataclass
class _Family:
    id: uuid.UUID | None  # None: created by this dry run
    hamlet_id: uuid.UUID | None
    address: str | None


def _add_problem(report: ImportReport, problem: Problem) -> None:
    report.problem_count += 1
    if len(report.problems) < MAX_PROBLEMS:
        report.problems.append(problem)


def _hamlets(session: Session) -> dict[str, Any]:
    hamlets: dict[str, Any] = {}
    for hamlet_id, name, code in session.execute(select(Hamlet.id, Hamlet.name, Hamlet.code)):
        hamlets[registry.normalise_name(name)] = hamlet_id
        if code:
            hamlets.setdefault(registry.normalise_name(code), hamlet_id)
    return hamlets


def _family_changes(parsed: _Parsed, known: _Family) -> dict[str, Any]:
    """What a row adds to a registered family: only what the family lacks. The file has no family
    columns, so a member's own hamlet or address (members may differ, and the row order with them)
    must not move the family."""
    wanted = {"hamlet_id": parsed.fields.get("hamlet_id"), "address": parsed.fields.get("address")}
    return {k: v for k, v in wanted.items() if v is not None and getattr(known, k) is None}


class _Import:
    """One pass over a file: the dry run (``apply=False``) or the write (``apply=True``).

    Families (a quarter of the residents, a few columns) are loaded once; residents are looked up
    per chunk by NIK. Writes are buffered per chunk and sent as executemany INSERT/UPDATE statements
    whose rows all carry the village's ``tenant_id``.
    """

    def __init__(
        self, session: Session, tenant_id: int, *, apply: bool, actor: User | None, progress: Progress | None
    ) -> None:
        self.session, self.tenant_id, self.apply, self.actor = session, tenant_id, apply, actor
        self.progress = progress
        if apply and session.get_bind().dialect.name == "postgresql":
            # Checked once per row at commit, against the full families table: checked per row as
            # rows arrive, PostgreSQL plans the check on the first few families and scans them all
            # for every resident after (a 100,000-row import took 127 s instead of about 40 s).
            session.execute(sa.text(f"SET CONSTRAINTS {FAMILY_FK} DEFERRED"))
        self.hamlets = _hamlets(session)
        self.families: dict[str, _Family] = {}
        self.kk_of: dict[uuid.UUID, str] = {}
        for fid, kk, hamlet_id, address in session.execute(
            select(Family.id, Family.kk_number, Family.hamlet_id, Family.address)
        ):
            self.families[kk] = _Family(fid, hamlet_id, address)
            self.kk_of[fid] = kk
        # NIKs registered before this pass: only those are looked up (a chunk at a time). A NIK of the
        # file that is not here is new; not asking the database about it keeps the lookups off the
        # rows this import inserts (PostgreSQL plans them with the stale statistics of a table that
        # is growing inside the transaction).
        self.existing: set[str] = set(session.scalars(select(Resident.nik)))
        self.families_seen: set[str] = set()
        self.seen_nik: dict[str, int] = {}
        self.pending: list[_Parsed] = []
        self.report: ImportReport | None = None
        self.now = utcnow()
        self.actor_id = actor.id if actor is not None else None
        self.actor_label = (actor.email or actor.phone) if actor is not None else None
        self.ip = request.remote_addr if has_request_context() else None
        self._reset_writes()

    def _reset_writes(self) -> None:
        self.new_families: list[dict[str, Any]] = []
        self.changed_families: list[dict[str, Any]] = []
        self.new_residents: list[dict[str, Any]] = []
        self.changed_residents: list[dict[str, Any]] = []
        self.audit_rows: list[dict[str, Any]] = []

    # -- reading the file --

    def run(self, file: Source, filename: str) -> ImportReport:
        stream = tabular.open_binary(file)
        try:
            layout: _Layout | None = None
            for number, values in read_rows(stream, file, filename):
                if not any(_cell(v) for v in values):
                    continue
                if layout is None:
                    layout = _detect(values)
                    self.report = ImportReport(layout.name)
                    continue
                self._row(number, values, layout)
            if self.pending:
                self._resolve()
        finally:
            if isinstance(file, str | Path):
                stream.close()
        if self.report is None:
            raise ServiceError(_("The file is empty: there is no header row and no data."), "empty_file")
        if self.report.rows == 0:
            raise ServiceError(_("The file has a header row but no data rows."), "empty_file")
        return self.report

    def _row(self, number: int, values: list[Any], layout: _Layout) -> None:
        report = self.report
        assert report is not None
        report.rows += 1
        if self.progress is not None and report.rows % PROGRESS_EVERY == 0:
            self.progress(report.rows)
        parsed, problems = _parse(values, layout, self.hamlets)
        if parsed is not None and parsed.nik in self.seen_nik:
            problems = [
                (
                    "",
                    _(
                        "NIK %(nik)s already appears in row %(row)s.",
                        nik=parsed.nik,
                        row=self.seen_nik[parsed.nik],
                    ),
                )
            ]
            parsed = None
        if parsed is not None and is_temporary(parsed.nik) and parsed.nik not in self.existing:
            message = _(
                "%(nik)s is a temporary number this village has not given: a new resident needs a NIK.",
                nik=parsed.nik,
            )
            header = next((h for c, h in layout.columns.values() if c == "nik"), "nik")
            problems, parsed = [*problems, (header, message)], None
        for column, message in problems:
            _add_problem(report, Problem(number, column, message))
        if parsed is None:
            return
        self.seen_nik[parsed.nik] = number
        self.pending.append(parsed)
        if len(self.pending) >= CHUNK_ROWS:
            self._resolve()

    # -- deciding, per chunk --

    def _registered(self, niks: list[str]) -> dict[str, dict[str, Any]]:
        columns = [Resident.id, Resident.nik, Resident.family_id, *(getattr(Resident, c) for c in _COMPARED)]
        found: dict[str, dict[str, Any]] = {}
        # The NIKs go into the SQL as literals (they are checked digits): PostgreSQL then plans the
        # lookup with a constant list it can hash, where a bound list (a prepared, generic plan)
        # would be compared element by element for every row of the village.
        niks_param = sa.bindparam("niks", niks, expanding=True, literal_execute=True)
        matching = Resident.nik.in_(niks_param)
        for rid, nik, family_id, *values in self.session.execute(select(*columns).where(matching)):
            found[nik] = {"id": rid, "family_id": family_id, **dict(zip(_COMPARED, values, strict=True))}
        return found

    def _resolve(self) -> None:
        report = self.report
        assert report is not None
        chunk, self.pending = self.pending, []
        if self.apply and not report.ok:
            return  # the write is abandoned anyway: stop writing
        known = [p.nik for p in chunk if p.nik in self.existing]
        registered = self._registered(known) if known else {}
        for parsed in chunk:
            family_id = self._family(parsed) if parsed.kk else None
            current = registered.get(parsed.nik)
            if current is None:
                report.residents.create += 1
                if self.apply:
                    self._create_resident(parsed, family_id)
                continue
            changes = {k: v for k, v in parsed.fields.items() if current.get(k) != v}
            if parsed.kk and self.kk_of.get(current["family_id"]) != parsed.kk:
                changes["family_id"] = family_id
            if not changes:
                report.residents.skip += 1
                continue
            report.residents.update += 1
            if self.apply:
                self._update_resident(current, changes)
        if self.apply:
            self._write()

    def _family(self, parsed: _Parsed) -> uuid.UUID | None:
        kk = parsed.kk
        assert kk is not None and self.report is not None
        family = self.families.get(kk)
        if kk in self.families_seen:
            return family.id if family else None
        self.families_seen.add(kk)
        if family is None:
            self.report.families.create += 1
            hamlet_id, address = parsed.fields.get("hamlet_id"), parsed.fields.get("address")
            family = _Family(uuid.uuid4() if self.apply else None, hamlet_id, address)
            self.families[kk] = family
            if family.id is not None:
                self.kk_of[family.id] = kk
                self.new_families.append(
                    {
                        "tenant_id": self.tenant_id,
                        "id": family.id,
                        "kk_number": kk,
                        "kk_temporary": False,
                        "hamlet_id": hamlet_id,
                        "address": address,
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                )
                self._audit("smart_government.family.created", f"family:{family.id}", temporary=False)
        elif changes := _family_changes(parsed, family):
            self.report.families.update += 1
            for key, value in changes.items():
                setattr(family, key, value)
            if self.apply:
                assert family.id is not None
                self.changed_families.append(
                    {
                        "tenant_id": self.tenant_id,
                        "id": family.id,
                        "hamlet_id": family.hamlet_id,
                        "address": family.address,
                        "updated_at": self.now,
                    }
                )
                self._audit("smart_government.family.updated", f"family:{family.id}", fields=sorted(changes))
        else:
            self.report.families.skip += 1
        return family.id

    # -- buffering the writes --

    def _audit(self, action: str, target: str, **detail: Any) -> None:
        self.audit_rows.append(
            {
                "action": action,
                "actor_id": self.actor_id,
                "actor_label": self.actor_label,
                "tenant_id": self.tenant_id,
                "target": target,
                "ip": self.ip,
                "detail": {**detail, "source": "import"},
                "at": self.now,
            }
        )

    def _create_resident(self, parsed: _Parsed, family_id: uuid.UUID | None) -> None:
        fields = parsed.fields
        row = registry.new_resident_values(
            {c: fields.get(c) for c in _COMPARED}, nik=parsed.nik, temporary=False
        )
        row.update(
            tenant_id=self.tenant_id,
            id=uuid.uuid4(),
            family_id=family_id,
            created_at=self.now,
            updated_at=self.now,
        )
        self.new_residents.append(row)
        self._audit("smart_government.resident.created", f"resident:{row['id']}", temporary_nik=False)

    def _update_resident(self, current: dict[str, Any], changes: dict[str, Any]) -> None:
        merged = {c: current[c] for c in _COMPARED}
        merged.update((k, v) for k, v in changes.items() if k != "family_id")
        merged.update(
            tenant_id=self.tenant_id,
            id=current["id"],
            family_id=changes.get("family_id", current["family_id"]),
            name_search=registry.normalise_name(merged["name"]),
            updated_at=self.now,
        )
        self.changed_residents.append(merged)
        self._audit("smart_government.resident.updated", f"resident:{current['id']}", fields=sorted(changes))

    def _write(self) -> None:
        """Send the chunk's buffered rows: parents before children, audit last."""
        if self.new_families:
            self._insert(Family, self.new_families)
        if self.changed_families:
            self._update(Family, self.changed_families)
        if self.new_residents:
            self._insert(Resident, self.new_residents)
        if self.changed_residents:
            self._update(Resident, self.changed_residents)
        if self.audit_rows:
            self._insert(AuditEvent, self.audit_rows)
        self._reset_writes()

    def _insert(self, model: Any, rows: list[dict[str, Any]]) -> None:
        """An executemany INSERT whose every row carries ``tenant_id`` (the isolation layer refuses
        a row of another village). RETURNING makes SQLAlchemy batch the rows into multi-row VALUES
        statements ("insertmanyvalues") from one cached compilation: PostgreSQL would otherwise get
        one statement per row."""
        self.session.execute(insert(model).returning(model.id), rows).close()

    def _update(self, model: Any, rows: list[dict[str, Any]]) -> None:
        """PostgreSQL: one UPDATE … FROM (VALUES …) per batch, keyed on (tenant_id, id) and limited
        to the session's village. SQLite (no column list for a VALUES alias): the ORM's bulk UPDATE
        by primary key, an executemany that is fast there."""
        if self.session.get_bind().dialect.name != "postgresql":
            self.session.execute(update(model), rows)
            return
        keys = list(rows[0])
        table = model.__table__
        per = max(1, PARAMETERS_PER_STATEMENT // len(keys))
        for start in range(0, len(rows), per):
            batch = rows[start : start + per]
            data = sa.values(*(sa.column(k, table.c[k].type) for k in keys), name="changed").data(
                [tuple(row[k] for k in keys) for row in batch]
            )
            stmt = (
                update(model)
                .where(model.tenant_id == self.tenant_id)
                .where(model.tenant_id == data.c.tenant_id, model.id == data.c.id)
                # The cast: a column that is NULL in every row of a batch would otherwise reach
                # PostgreSQL as text (an untyped NULL), and text cannot be assigned to a uuid column.
                .values(
                    {k: sa.cast(data.c[k], table.c[k].type) for k in keys if k not in ("tenant_id", "id")}
                )
                .execution_options(synchronize_session=False)
            )
            self.session.execute(stmt)


def _run(
    session: Session,
    file: Source,
    filename: str,
    *,
    apply: bool,
    actor: User | None,
    progress: Progress | None,
) -> ImportReport:
    tenant_id = _check_session(session)
    return _Import(session, tenant_id, apply=apply, actor=actor, progress=progress).run(file, filename)


def plan_import(
    session: Session,
    tenant: Tenant,
    file: Source,
    filename: str = "",
    *,
    progress: Progress | None = None,
) -> ImportReport:
    """The dry run: what the import would create, update and skip, and every problem per row.
    Writes nothing. ``file`` is a path, bytes or a seekable binary file; ``filename`` gives the type
    (``.csv``/``.xlsx``). An empty file or an unknown header raises ServiceError. ``progress`` is
    called with the number of rows read every PROGRESS_EVERY rows."""
    _check_tenant(session, tenant)
    return _run(session, file, filename, apply=False, actor=None, progress=progress)


def _has_problems(report: ImportReport) -> ServiceError:
    return ServiceError(
        _(
            "The file has %(count)s problem(s); nothing was imported. Fix them and try again.",
            count=report.problem_count,
        ),
        "import_problems",
    )


def commit_import(
    session: Session,
    tenant: Tenant,
    file: Source,
    filename: str = "",
    *,
    actor: User | None = None,
    progress: Progress | None = None,
    plan: ImportReport | None = None,
    source: str | None = None,
    commit: bool = True,
) -> ImportReport:
    """Validate the whole file (the dry run), then write it in chunks in one transaction and commit;
    any problem or failure rolls everything back (ServiceError for a file with problems or a registry
    changed meanwhile, the failure itself otherwise).

    A caller that has just run ``plan_import`` on the same file may pass its report as ``plan`` to
    skip the second validation pass: the write pass checks every row again and abandons the whole
    import on the first problem. ``progress`` reports the write pass only. ``source`` names the
    file in the audit event (e.g. ``document:<id>`` for an upload kept as a document).
    ``commit=False`` leaves the commit to the caller (a job commits the rows with its own state);
    on a failure the session is rolled back either way.
    """
    _check_tenant(session, tenant)
    if plan is None:
        plan = plan_import(session, tenant, file, filename)
    if not plan.ok:
        raise _has_problems(plan)
    try:
        done = _run(session, file, filename, apply=True, actor=actor, progress=progress)
        if not done.ok:
            raise _has_problems(done)
        audit.record(
            "smart_government.import.committed",
            actor=actor,
            tenant_id=tenant.id,
            target=f"import:{source or filename}",
            session=session,
            layout=done.layout,
            rows=done.rows,
            created=done.residents.create,
            updated=done.residents.update,
            families_created=done.families.create,
            families_updated=done.families.update,
        )
        if commit:
            session.commit()
        elif session.get_bind().dialect.name == "postgresql":
            # The deferred family check runs now, so a conflict is reported here as one, not later
            # at the caller's commit.
            session.execute(sa.text(f"SET CONSTRAINTS {FAMILY_FK} IMMEDIATE"))
    except IntegrityError:
        session.rollback()
        raise ServiceError(
            _(
                "The registry changed while the file was being imported (a NIK or KK number was "
                "registered meanwhile); nothing was imported. Run the import again."
            ),
            "import_conflict",
            409,
        ) from None
    except BaseException:
        session.rollback()
        raise
    done.committed = True
    return done


def _check_session(session: Session) -> int:
    tenant_id = current_tenant_id(session)
    if tenant_id is None:
        raise RuntimeError("the import needs a session bound to the village it imports into")
    return tenant_id


def _check_tenant(session: Session, tenant: Tenant) -> None:
    if _check_session(session) != tenant.id:
        raise RuntimeError("the import needs a session bound to the village it imports into")
