"""``desa smart_government sample-file``: a file in the village's kecamatan and hamlets that the
import takes whole, and that adds to a demo village instead of rewriting it."""

from __future__ import annotations

import csv

from smart_government.registry.models import Resident

from .conftest import count


def test_sample_file_imports_cleanly_into_its_village(app, village, tmp_path) -> None:  # noqa: ANN001
    runner = app.test_cli_runner()
    path = tmp_path / "sample.csv"
    made = runner.invoke(
        args=["smart_government", "sample-file", "--tenant", village.slug, "--rows", "40", "-o", str(path)]
    )
    assert made.exit_code == 0, made.output
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert len(rows) == 40
    assert {r["hamlet"] for r in rows} <= {"Kaja", "Kelod"}
    assert all(r["nik"].startswith("510701") for r in rows)  # Menanga's kecamatan, Rendang
    done = runner.invoke(args=["smart_government", "import", str(path), "--tenant", village.slug, "--commit"])
    assert done.exit_code == 0, done.output
    assert "40 created" in done.output
    assert count(app, village, Resident) == 40
    again = runner.invoke(
        args=["smart_government", "import", str(path), "--tenant", village.slug, "--commit"]
    )
    assert "0 created" in again.output and "40 unchanged" in again.output


def test_sample_file_needs_a_village_with_the_pillar(app, bebandem, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "x.csv"
    refused = app.test_cli_runner().invoke(
        args=["smart_government", "sample-file", "--tenant", bebandem.slug, "-o", str(out)]
    )
    assert refused.exit_code != 0 and not out.exists()
