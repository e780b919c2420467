"""``desa db migrate --head PLUGIN@head`` writes a plugin's next revision with only the core and that
plugin's branch applied (the built-in pillars' branches are in the history but not applied), and
compares only the plugin's tables.

The plugin is a small package written into a temporary folder. It defines a model, so everything
runs in a subprocess (through the CLI runner there): the model never joins this test process's
metadata, which other tests compare with the shared database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PACKAGE = """
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from desacerdas import hookimpl
from desacerdas.models.base import Base, TenantScoped
from desacerdas.plugin_system.types import PluginInfo


class ProbeItem(TenantScoped, Base):
    __tablename__ = "mig_probe_items"

    title: Mapped[str] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(String(200))  # not in mig_probe_0001: the next revision


@hookimpl
def desa_plugin_info():
    return PluginInfo("mig_probe", "Uji migrasi", "Migration probe", None, "1.0")


@hookimpl
def desa_owned_models():
    return [ProbeItem]
"""

INITIAL = '''"""mig_probe: the items table"""

import sqlalchemy as sa
from alembic import op

from desacerdas.tenancy.rls import enable_rls

revision = "mig_probe_0001"
down_revision = None
branch_labels = ("mig_probe",)
depends_on = "0002_plugin_state"


def upgrade():
    op.create_table(
        "mig_probe_items",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_mig_probe_items_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_mig_probe_items")),
    )
    enable_rls(op, "mig_probe_items")


def downgrade():
    op.drop_table("mig_probe_items")
'''

SCRIPT = """
import json, sys
from pathlib import Path

work = Path(sys.argv[1])
sys.path.insert(0, str(work / "src"))
import mig_probe
from flask_migrate import upgrade

from desacerdas.cli import cli
from desacerdas.testing import support

url = f"sqlite:///{work / 'scratch.db'}"
app = support.create_test_app(
    support.app_config((url, url), work / "instance", EXTRA_PLUGINS={"mig_probe": mig_probe})
)
runner = app.test_cli_runner()
steps = {}

def run(key, *args):
    result = runner.invoke(cli, list(args))
    steps[key] = {"code": result.exit_code, "out": result.output}

with app.app_context():
    upgrade(revision="core@head")
migrate = ["db", "migrate", "-m", "add a note", "--head", "mig_probe@head"]
run("before", *migrate, "--rev-id", "mig_probe_0002")
run("upgrade", "db", "upgrade", "--plugin", "mig_probe")
run("pending", "db", "pending")
run("wrong_id", *migrate, "--rev-id", "note_0002")
run("migrate", *migrate, "--rev-id", "mig_probe_0002")
run("upgrade_again", "db", "upgrade", "--plugin", "mig_probe")
run("nothing", "db", "migrate", "-m", "nothing", "--head", "mig_probe@head")
run("unknown", "db", "migrate", "-m", "x", "--head", "nope@head")
print(json.dumps(steps))
"""


def test_migrate_a_plugin_branch_with_only_the_core_and_that_branch_applied(tmp_path):
    package = tmp_path / "src" / "mig_probe"
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text(PACKAGE, encoding="utf-8")
    (package / "migrations" / "mig_probe_0001_initial.py").write_text(INITIAL, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DESA_", "PYTEST_"))}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    steps = json.loads(done.stdout.strip().splitlines()[-1])

    before = steps["before"]
    assert before["code"] == 1 and "mig_probe is not up to date (mig_probe_0001 not applied)" in before["out"]
    assert "desa db upgrade --plugin mig_probe" in before["out"]
    assert steps["upgrade"]["code"] == 0
    # The other installed branches are in the history and not applied: Alembic alone would refuse.
    pending = steps["pending"]["out"]
    assert "mig_probe" not in pending and ("Nothing pending." in pending or "not installed" in pending)

    wrong = steps["wrong_id"]
    assert wrong["code"] == 1 and "start with 'mig_probe_'" in wrong["out"]

    assert steps["migrate"]["code"] == 0, steps["migrate"]["out"]
    written = package / "migrations" / "mig_probe_0002_add_a_note.py"
    assert str(written) in steps["migrate"]["out"]
    source = written.read_text(encoding="utf-8")
    assert 'down_revision = "mig_probe_0001"' in source or "down_revision = 'mig_probe_0001'" in source
    assert "add_column(sa.Column('note'" in source or 'add_column(sa.Column("note"' in source
    ops = [line.strip() for line in source.splitlines() if "op." in line or "batch_op." in line]
    assert all("mig_probe_items" in op or "note" in op for op in ops), ops  # no other table compared
    assert "create_table" not in source and "drop_table" not in source
    assert steps["upgrade_again"]["code"] == 0, steps["upgrade_again"]["out"]

    nothing = steps["nothing"]
    assert nothing["code"] == 0 and "mig_probe_0003" in nothing["out"]  # numbered by the naming rule
    empty = (package / "migrations" / "mig_probe_0003_nothing.py").read_text(encoding="utf-8")
    assert "add_column" not in empty and "drop_column" not in empty

    unknown = steps["unknown"]
    assert unknown["code"] == 1 and "No working plugin named nope" in unknown["out"]
    assert not list(Path(tmp_path).glob("**/nope*"))
