"""``desa plugins new``: names it refuses, the files it writes, and that they are ruff-clean."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

import desacerdas
from desacerdas.cli import cli
from desacerdas.plugin_system.scaffold import LAYOUT, ScaffoldError, create_plugin, validate_name


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "not a valid plugin name"),
        ("Bad-Name", "not a valid plugin name"),
        ("WasteBank", "not a valid plugin name"),
        ("1st", "not a valid plugin name"),
        ("_private", "not a valid plugin name"),
        ("waste bank", "not a valid plugin name"),
        ("x" * 31, "too long"),
        ("class", "keyword"),
        ("core", "reserved"),
        ("desacerdas", "reserved"),
        ("tests", "reserved"),
        ("json", "standard library"),
        ("smart_government", "already installed"),
        ("flask", "can already be imported"),
    ],
)
def test_bad_names_are_refused_with_a_reason(name, why, tmp_path):
    with pytest.raises(ScaffoldError, match=why):
        create_plugin(name, tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing half-made


def test_an_existing_folder_is_refused_and_left_alone(tmp_path):
    (tmp_path / "waste_bank").mkdir()
    (tmp_path / "waste_bank" / "mine.txt").write_text("keep me")
    with pytest.raises(ScaffoldError, match="already exists"):
        create_plugin("waste_bank", tmp_path)
    assert [p.name for p in (tmp_path / "waste_bank").iterdir()] == ["mine.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["waste_bank"]  # no temporary folder left


def test_cli_new_writes_the_package_and_says_what_next(tmp_path):
    result = CliRunner().invoke(cli, ["plugins", "new", "bank_sampah", "--path", str(tmp_path / "src")])
    assert result.exit_code == 0, result.output
    assert "desa plugins install bank_sampah" in result.output
    assert "desa plugins enable bank_sampah --tenant SLUG" in result.output
    assert (tmp_path / "src" / "bank_sampah" / "bank_sampah" / "plugin.py").is_file()
    again = CliRunner().invoke(cli, ["plugins", "new", "bank_sampah", "--path", str(tmp_path / "src")])
    assert again.exit_code == 1 and "already exists" in again.output
    bad = CliRunner().invoke(cli, ["plugins", "new", "Bank-Sampah", "--path", str(tmp_path)])
    assert bad.exit_code == 1 and "not a valid plugin name" in bad.output


def test_generated_project_layout_and_wiring(tmp_path):
    root = create_plugin("waste_bank", tmp_path)
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files == sorted(
        [
            ".gitignore",
            "README.md",
            "babel.cfg",
            "pyproject.toml",
            "tests/test_waste_bank.py",
            "waste_bank/__init__.py",
            "waste_bank/api.py",
            "waste_bank/migrations/__init__.py",
            "waste_bank/migrations/waste_bank_0001_initial.py",
            "waste_bank/models.py",
            "waste_bank/plugin.py",
            "waste_bank/templates/waste_bank/index.html",
            "waste_bank/translations/id/LC_MESSAGES/messages.mo",
            "waste_bank/translations/id/LC_MESSAGES/messages.po",
            "waste_bank/translations/messages.pot",
            "waste_bank/views.py",
        ]
    )
    assert len(files) == len(LAYOUT) + 2  # the .pot and the .mo are made from the .po
    project = tomllib.loads((root / "pyproject.toml").read_text())
    assert project["project"]["name"] == "desacerdas-waste-bank"
    assert project["project"]["dependencies"][0].startswith("desacerdas")
    assert project["project"]["entry-points"]["desacerdas.plugins"] == {"waste_bank": "waste_bank.plugin"}
    assert set(project["tool"]["setuptools"]["package-data"]["waste_bank"]) == {
        "templates/**/*",
        "migrations/*.py",
        "translations/*.pot",
        "translations/*/LC_MESSAGES/*",
    }
    migration = (root / "waste_bank/migrations/waste_bank_0001_initial.py").read_text()
    assert 'revision = "waste_bank_0001"' in migration and "down_revision = None" in migration
    assert 'branch_labels = ("waste_bank",)' in migration
    assert 'depends_on = "0002_plugin_state"' in migration
    assert 'enable_rls(op, "waste_bank_items")' in migration
    models = (root / "waste_bank/models.py").read_text()
    assert "class WasteBankItem(TenantScoped, Timestamped, Base):" in models
    assert 'UniqueConstraint("tenant_id", "title")' in models
    views = (root / "waste_bank/views.py").read_text()
    assert 'Blueprint(NAME, __name__, template_folder="templates")' in views
    assert 'blp = Blueprint(\n    f"{NAME}_api",' in (root / "waste_bank/api.py").read_text()
    page = (root / "waste_bank/templates/waste_bank/index.html").read_text()
    assert page.startswith('{% extends "base.html" %}') and '{{ _("Nothing recorded yet.") }}' in page
    # The pillar kit: access, the shared list and pager, the form helper.
    assert 'require(MANAGE if request.method == "POST" else VIEW)' in views
    assert "ITEMS, per_page=per_page).page(select(WasteBankItem))" in views and "handle(\n" in views
    assert '{% from "_forms.html" import field, pager %}' in page
    assert "{{ pager(pagination, page_url) }}" in page
    assert "ITEMS = ListSpec(" in models and "class Exists(ServiceError):" in models
    api = (root / "waste_bank/api.py").read_text()
    assert "require_api(VIEW)" in api and "ITEMS.api_page(" in api and "@blp.paginate(**PAGINATION)" in api
    hooks = {
        node.name
        for node in ast.parse((root / "waste_bank/plugin.py").read_text()).body
        if isinstance(node, ast.FunctionDef)
    }
    assert {
        "desa_plugin_info",
        "desa_permissions",
        "desa_blueprints",
        "desa_navigation",
        "desa_readiness_checks",
        "desa_indicators",
        "desa_owned_models",
        "desa_on_enable",
    } <= hooks
    texts = [p.read_text() for p in root.rglob("*") if p.is_file() and p.suffix != ".mo"]
    assert "$" not in "".join(texts)  # all substituted


@pytest.mark.parametrize("name", ["waste_bank", "a", "zz_top9", "x" * 30, "a_b_c_d_e_f_g_h_i_j_k_l_m_n_o"])
def test_generated_python_is_ruff_clean(name, tmp_path):
    root = create_plugin(name, tmp_path)
    for path in root.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")
    for args in (["check", "--no-cache", "."], ["format", "--no-cache", "--check", "."]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *args], cwd=root, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_validate_name_accepts_a_good_name():
    assert validate_name("bank_sampah") == "bank_sampah"


def test_scaffold_templates_ship_with_the_package():
    files = Path(desacerdas.__file__).parent / "plugin_system" / "scaffold" / "files"
    assert all((files / source).is_file() for source, _dest in LAYOUT)
