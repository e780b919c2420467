"""A sample import file for a village: families of four with valid NIKs and KK numbers in the
village's own kecamatan and hamlets, so a new village (or a demo) can try the import page with a
file it recognises. The benchmark uses the same generator.

Serials start at 5000, above what the demo population uses, so the sample adds residents to a demo
village instead of rewriting the ones it has.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from desacerdas.kit import tabular

from .codes import TEMPLATE_COLUMNS

BIRTH_ORDER = ("Wayan", "Made", "Nyoman", "Ketut", "Putu", "Kadék", "Komang", "Gede", "Luh", "Gedé")
SYLLABLES = ("su", "dar", "ma", "ar", "ta", "wi", "ja", "ya", "ka", "sa", "ri", "na", "pu", "tra", "dé")
SYLLABLES += ("ni", "la", "ra", "wa", "ti", "gu", "ba", "di", "ko", "ang", "se", "mer", "yu", "an", "to")
FIRST_SERIAL = 5000


def name_for(rng: random.Random, female: bool) -> str:
    """A Balinese-looking name, sometimes with an accent: 'Ni Kadék Suartini'."""
    given = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
    return f"{'Ni' if female else 'I'} {rng.choice(BIRTH_ORDER)} {given}"


def district_of(village_code: str) -> str:
    """The 6-digit kecamatan code a NIK starts with (``51.07.01.2003`` -> ``510701``)."""
    return "".join(village_code.split(".")[:3])


def write(path: Path, rows: int, district: str, hamlets: Sequence[str], seed: int = 7) -> None:
    """Write ``rows`` residents as the platform template (CSV), deterministic for a seed."""
    rng = random.Random(seed)
    serials: dict[tuple[date, bool], int] = {}  # a NIK's serial is unique per birth date and sex
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(TEMPLATE_COLUMNS)
        for i in range(rows):
            if i % 4 == 0:
                family = i // 4 + 1
                issued = f"{1 + family // 4999 % 28:02d}{1 + family // 139972 % 12:02d}20"
                kk = f"{district}{issued}{FIRST_SERIAL + family % 4999:04d}"
                hamlet = hamlets[rng.randrange(len(hamlets))] if hamlets else ""
            female = rng.random() < 0.5
            born = date(1940, 1, 1) + timedelta(days=rng.randrange(30000))
            serial = serials[born, female] = serials.get((born, female), FIRST_SERIAL - 1) + 1
            day = born.day + (40 if female else 0)
            row = {
                "kk_number": kk,
                "nik": f"{district}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}",
                "name": name_for(rng, female),
                "birth_place": "Karangasem",
                "birth_date": born.isoformat(),
                "sex": "P" if female else "L",
                "religion": "Hindu",
                "education": rng.choice(("SLTA", "SLTP", "Tamat SD", "Diploma IV/S1")),
                "occupation": rng.choice(("Petani/pekebun", "Wiraswasta", "Pelajar/mahasiswa")),
                "hamlet": hamlet,
                "address": f"Jl. Raya {family}",
            }
            writer.writerow([tabular.safe_cell(row.get(c, "")) for c in TEMPLATE_COLUMNS])
