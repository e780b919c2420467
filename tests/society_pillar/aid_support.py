"""Helpers of the social-aid tests: real NIKs for the test village's residents, a programme, and
running a service as one of the village's people."""

from __future__ import annotations

from datetime import date

from sg_letter_services.pillars import run  # noqa: F401 - the aid tests' helper
from smart_government.registry.models import Resident
from smart_society.aid import deliberation, service

from desacerdas.tenancy import tenant_session

# wayan (1990-05-17, male), kadek (1995-03-02, female: day + 40), made (1988-01-09, male)
NIKS = {"wayan": "5107011705900001", "kadek": "5107014203950002", "made": "5107010901880003"}
YEAR = date.today().year


def give_niks(app, village, niks: dict[str, str] | None = None) -> None:  # noqa: ANN001
    """The fixture's residents carry temporary numbers; aid is given by NIK."""
    with app.app_context(), tenant_session(village.id) as s:
        for key, nik in (niks or NIKS).items():
            resident = s.get(Resident, (village.id, village.residents[key]))
            resident.nik, resident.nik_temporary = nik, False
        s.commit()


def programme(app, village, who: str = "head", **fields) -> object:  # noqa: ANN001
    """A programme of this year (BLT-DD for families, excluding PKH and BPNT, by default); its id."""
    values = {
        "name": "BLT Dana Desa",
        "source": "blt_dd",
        "benefit": "cash",
        "amount": 300_000,
        "schedule": "monthly",
        "unit": "family",
        "period_start": date(YEAR, 1, 1),
        "period_end": date(YEAR, 12, 31),
        "excludes": ["pkh", "bpnt"],
        **fields,
    }
    return run(app, village, who, lambda s, t, u: service.save_programme(s, t, u, **values).id)


def propose(app, village, who: str, programme_id, resident: str):  # noqa: ANN001, ANN201
    """Propose a resident; returns (candidate id, number of conflicts found)."""

    def _do(s, t, u):  # noqa: ANN001, ANN202
        p = service.get_programme(s, t, u, programme_id)
        made = service.propose(s, t, u, p, village.residents[resident], "Tidak mampu")
        return made.candidate.id, len(made.conflicts)

    return run(app, village, who, _do)


def decide(app, village, who: str, programme_id, approve=(), refuse=None):  # noqa: ANN001, ANN201
    def _do(s, t, u):  # noqa: ANN001, ANN202
        p = service.get_programme(s, t, u, programme_id)
        r = deliberation.decide(s, t, u, p, held_on=date.today(), approve=list(approve), refuse=refuse or {})
        return {
            "approved": [c.id for c in r.approved],
            "refused": [c.id for c in r.refused],
            "held": [(c.id, why) for c, why in r.held],
        }

    return run(app, village, who, _do)
