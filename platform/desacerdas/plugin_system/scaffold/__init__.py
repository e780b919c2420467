"""``desa plugins new NAME``: a standalone, pip-installable plugin package to start from.

The generated files come from the ``files/`` folder beside this module: plain text with
:class:`string.Template` placeholders (``$name``, ``${model}`` …), so each template reads like the
file it becomes. They end in ``.tmpl`` so that neither ruff, pytest nor the translation extractor
mistake them for the platform's own code.
"""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import keyword
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from string import Template

from ... import __version__ as core_version
from ..manager import CORE, ENTRY_POINT_GROUP

FILES_DIR = Path(__file__).resolve().parent / "files"
MAX_NAME_LENGTH = 30  # table and constraint names derive from it (PostgreSQL allows 63 characters)
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
RESERVED = {CORE, "desacerdas", "tests", "test", "migrations", "templates", "plugins", "platform"}

# template (relative to files/) -> path in the new project; both may use the placeholders.
LAYOUT: tuple[tuple[str, str], ...] = (
    ("pyproject.toml.tmpl", "pyproject.toml"),
    ("README.md.tmpl", "README.md"),
    ("gitignore.tmpl", ".gitignore"),
    ("babel.cfg.tmpl", "babel.cfg"),
    ("package/__init__.py.tmpl", "$name/__init__.py"),
    ("package/plugin.py.tmpl", "$name/plugin.py"),
    ("package/models.py.tmpl", "$name/models.py"),
    ("package/views.py.tmpl", "$name/views.py"),
    ("package/api.py.tmpl", "$name/api.py"),
    ("package/templates/index.html.tmpl", "$name/templates/$name/index.html"),
    ("package/translations/id.po.tmpl", "$name/translations/id/LC_MESSAGES/messages.po"),
    ("package/migrations/__init__.py.tmpl", "$name/migrations/__init__.py"),
    ("package/migrations/initial.py.tmpl", "$name/migrations/${revision}_initial.py"),
    ("tests/test_plugin.py.tmpl", "tests/test_$name.py"),
)


class ScaffoldError(ValueError):
    """The plugin cannot be created (bad name, existing folder); the message says why."""


@dataclass(frozen=True)
class Names:
    """Every name derived from the plugin name, as the templates use them."""

    name: str

    @property
    def words(self) -> list[str]:
        return [w for w in self.name.split("_") if w]

    def mapping(self) -> dict[str, str]:
        title = " ".join(self.words).capitalize()
        return {
            "name": self.name,
            "dist": "desacerdas-" + "-".join(self.words),
            "title_en": title,
            "model": "".join(w.capitalize() for w in self.words) + "Item",
            "table": f"{self.name}_items",
            "revision": f"{self.name}_0001",
            "core_version": core_version,
            "create_date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        }


def validate_name(name: str) -> str:
    """Return ``name`` when it can name a plugin (a new top-level package); raise ScaffoldError."""
    if not name or not NAME_PATTERN.fullmatch(name):
        raise ScaffoldError(
            f"'{name}' is not a valid plugin name: use lowercase letters, digits and underscores, "
            "starting with a letter (a Python package name such as waste_bank)."
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ScaffoldError(f"'{name}' is too long: a plugin name has at most {MAX_NAME_LENGTH} characters.")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise ScaffoldError(f"'{name}' is a Python keyword; choose another name.")
    if name in RESERVED:
        raise ScaffoldError(f"'{name}' is reserved by the platform; choose another name.")
    if name in sys.stdlib_module_names:
        raise ScaffoldError(f"'{name}' is a module of Python's standard library; choose another name.")
    if any(ep.name == name for ep in md.entry_points(group=ENTRY_POINT_GROUP)):
        raise ScaffoldError(f"A plugin named '{name}' is already installed; choose another name.")
    if importlib.util.find_spec(name) is not None:
        raise ScaffoldError(f"A module named '{name}' can already be imported here; choose another name.")
    return name


def render(template: str, values: dict[str, str]) -> str:
    return Template(template).substitute(values)


def create_plugin(name: str, parent: str | os.PathLike[str] = ".") -> Path:
    """Write the plugin project ``parent/name`` and return its path.

    The files are written into a temporary folder beside the target and moved into place at the
    end, so a failure leaves nothing half-made behind.
    """
    validate_name(name)
    parent = Path(parent).expanduser().resolve()
    target = parent / name
    if target.exists():
        raise ScaffoldError(f"{target} already exists; choose another name or --path.")
    if parent.exists() and not parent.is_dir():
        raise ScaffoldError(f"{parent} is not a folder.")
    parent.mkdir(parents=True, exist_ok=True)
    values = Names(name).mapping()
    work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=parent))
    try:
        for source, dest in LAYOUT:
            path = work / render(dest, values)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                render((FILES_DIR / source).read_text(encoding="utf-8"), values), encoding="utf-8"
            )
        compile_catalogues(work / name)
        if target.exists():  # created meanwhile by someone else
            raise ScaffoldError(f"{target} already exists; choose another name or --path.")
        work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return target


def compile_catalogues(package: Path) -> list[Path]:
    """Write ``translations/messages.pot`` from the Indonesian catalogue and compile every
    ``<locale>/LC_MESSAGES/messages.po`` to ``messages.mo`` (babel's Python API: the author needs
    no extra step before the page is translated). Returns the compiled files."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po, write_po

    translations = package / "translations"
    compiled = []
    template = None
    for po_path in sorted(translations.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=po_path.parent.parent.name, domain="messages")
        if template is None:
            template = Catalog(project=catalog.project, version=catalog.version, fuzzy=False)
            for message in catalog:
                if message.id:
                    template.add(message.id, string=("", "") if message.pluralizable else "")
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as f:
            write_mo(f, catalog)
        compiled.append(mo_path)
    if template is not None:
        with (translations / "messages.pot").open("wb") as f:
            write_po(f, template, omit_header=False, sort_output=False)
    return compiled


def next_steps(target: Path, name: str) -> str:
    """What to do after scaffolding, for the command line."""
    return "\n".join(
        [
            f"Created the plugin {name} in {target}",
            "",
            "Next steps:",
            f"  pip install -e {target}            # beside the platform, in the same virtualenv",
            f"  pytest {target / 'tests'}",
            f"  desa plugins install {name}           # applies its migrations",
            "  desa tenants add-hamlet SLUG 'Banjar Kaja'  # its readiness check wants a hamlet",
            f"  desa plugins enable {name} --tenant SLUG",
            f"Then sign in as someone of that village and open /desa/SLUG/{name}/",
            "(the tutorial is in docs/plugins.md).",
        ]
    )


__all__ = [
    "LAYOUT",
    "Names",
    "ScaffoldError",
    "compile_catalogues",
    "create_plugin",
    "next_steps",
    "validate_name",
]
