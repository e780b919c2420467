"""Walk a signed-in user's pages and find what a reader should never see.

Checks, on every HTML page reached: raw codes (role and other snake_case enum values, audit event
codes, plugin names, a single-word state code as a whole text on an Indonesian page), the word
``None``, counts printed as ``1.0``, English on an Indonesian page (common English UI words, and
any text that is exactly an English msgid whose Indonesian translation differs), and the page
weight (HTML plus the CSS files it links, under 30 KB on first load).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

from babel.messages.pofile import read_po

BUDGET = 30 * 1024  # bytes of HTML + CSS on first load
MAX_PAGES = 300  # per role and language: enough for every nav page and one level below
PO = Path(__file__).resolve().parents[2] / "platform/desacerdas/translations/id/LC_MESSAGES/messages.po"

SKIP_PATH = re.compile(
    r"^/(api|static|healthz|readyz|webhooks)\b|/(pdf|download|file|export|full-data|photos|attachments)(/|$)"
    r"|\.(csv|xlsx|zip|pdf|json)$|/me/data$|/auth/logout|/sign-out"
)
# addresses, e-mails and template syntax ({{ name }}, {% if %}, ${desa}) are not words of the page
URLISH = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\$\{[^}]*\}|\S*(?:/|@|://)\S*")
COUNT = re.compile(r"(?<![\d.,])\d+[.,]0(?![\d.,])")
# Python's None leaking into a page; in English "None yet" / "None of …" are words, not a leak
NONE = re.compile(r"\bNone\b(?! [a-z])")

# Common English words of the UI that Indonesian text never uses (whole words, case-sensitive).
ENGLISH_WORDS = (
    "the", "and", "with", "your", "you", "this", "that", "are", "not", "for", "from", "has", "have",
    "will", "was", "been", "which", "there", "here", "page", "Sign in", "Sign out", "Save", "Submit",
    "Cancel", "Delete", "Edit", "Search", "Filter", "Next", "Previous", "Back", "Show", "Download",
    "Upload", "Settings", "Welcome", "Password", "Villages", "Village", "Hamlet", "Hamlets", "Resident",
    "Residents", "Letter", "Letters", "Request", "Requests", "Enabled", "Disabled", "Ready", "Blocked",
    "Waiting", "Approved", "Rejected", "Submitted", "Verified", "Issued", "Signed", "Pending", "Active",
    "Unknown", "Home", "Yes", "Name", "Date", "Role", "Roles", "Nothing", "Add", "Remove", "Change",
    "Open", "Close", "View", "Details", "Overview", "Dashboard", "enabled", "disabled", "ready",
    "blocked", "installed", "broken", "Members", "Invite", "Facilitator", "Regency", "Visit", "Visits",
    "of", "to", "in", "on", "at", "by", "or", "if", "all", "any", "new", "Required", "Optional",
    "required", "optional", "Import", "Export", "Error", "hours", "hour", "days", "day", "minutes",
    "ago", "less than",
)  # fmt: skip
ENGLISH = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in ENGLISH_WORDS) + r")(?![\w-])")

VISIBLE_ATTRS = ("placeholder", "title", "alt", "aria-label")
HIDDEN = ("script", "style", "template", "textarea")  # a textarea holds what someone typed
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


@dataclass
class Form:
    """A POST form of a page: where it goes and what an empty submission sends (hidden values)."""

    action: str
    fields: dict[str, str] = field(default_factory=dict)
    required: bool = False  # has a required field a reader types or chooses


TYPED = ("text", "email", "tel", "number", "date", "password", "search", "url", "month", "file", "")


class _Text(HTMLParser):
    """Visible text nodes, the attributes a reader sees, the links, the style sheets."""

    def __init__(self, lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = lang
        self._stack: list[tuple[str, str | None]] = []
        self.foreign: list[str] = []
        self.texts: list[str] = []
        self.attrs: list[str] = []
        self.links: list[str] = []
        self.styles: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag in HIDDEN:
            self._hidden += 1
        if tag not in VOID:
            lang = "zxx" if values.get("translate") == "no" else values.get("lang")  # zxx: no language
            self._stack.append((tag, lang))
        if tag == "form" and values.get("method", "get").lower() == "post":
            self._form = Form(values.get("action", ""))
        elif tag in ("input", "textarea", "select") and self._form is not None and values.get("name"):
            kind = values.get("type", "").lower() if tag == "input" else ""
            if kind == "hidden":
                self._form.fields[values["name"]] = values.get("value", "")
            elif kind not in ("submit", "button", "checkbox", "radio"):
                self._form.fields[values["name"]] = ""
                self._form.required |= "required" in values and kind in TYPED
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if tag == "link" and "stylesheet" in values.get("rel", "") and values.get("href"):
            self.styles.append(values["href"])
        self.attrs += [values[a] for a in VISIBLE_ATTRS if values.get(a)]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.texts.append(values["value"])
        if tag in ("input", "textarea") and values.get("value") == "None":
            self.attrs.append("None")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        if tag in HIDDEN and self._hidden:
            self._hidden -= 1
        for i in range(len(self._stack) - 1, -1, -1):  # tolerate unclosed elements (<li>, <p>)
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if self._hidden or not data.strip():
            return
        text = " ".join(data.split())
        lang = next((lang for _tag, lang in reversed(self._stack) if lang), None)
        if lang and lang != self.lang:
            # content in another language, marked so (a message preview), or an identifier marked
            # translate="no" (a plugin's package name for the command line)
            self.foreign.append(text)
        else:
            self.texts.append(text)


@dataclass
class Page:
    url: str
    status: int
    texts: list[str]
    attrs: list[str]
    links: list[str]
    styles: list[str]
    size: int
    foreign: list[str] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)


def parse(url: str, status: int, html: str, lang: str = "id") -> Page:
    parser = _Text(lang)
    parser.feed(html)
    size = len(html.encode())
    page = Page(url, status, parser.texts, parser.attrs, parser.links, parser.styles, size, parser.foreign)
    page.forms = parser.forms
    return page


def _enum_values() -> set[str]:
    from smart_government.accounts import models as accounts
    from smart_government.letters import models as letters
    from smart_government.registry import models as registry

    from desacerdas import models

    values: set[str] = set()
    for module in (models, accounts, letters, registry):
        for item in vars(module).values():
            if isinstance(item, type) and issubclass(item, enum.Enum) and item is not enum.Enum:
                values |= {str(m.value) for m in item}
    return values


@cache
def codes() -> tuple[re.Pattern[str], frozenset[str]]:
    """(a regex of raw multi-part codes, the single-word state codes)."""
    from desacerdas.plugin_system.state import plugins
    from desacerdas.web import labels

    values = _enum_values()
    snake = {v for v in values if "_" in v}
    single = frozenset(v for v in values if v.isalpha() and v.islower())
    names = set(plugins().loaded) if _has_app() else set()
    # audit event codes: the labelled ones, any <subject>.<verb>, anything under a plugin's name
    known = set(labels.event_codes()) | {f"{s}.{v}" for s in labels.SUBJECTS for v in labels.VERBS}
    known |= {f"auth.{v}" for v in labels.VERBS}
    under_plugin = [rf"{re.escape(n)}\.[a-z_]+(?:\.[a-z_]+)*" for n in names]
    event = "|".join([*under_plugin, *sorted(map(re.escape, known), key=len, reverse=True)])
    words = "|".join(sorted(map(re.escape, snake | names), key=len, reverse=True))
    return re.compile(rf"(?<![\w.-])(?:{event}|{words})(?![\w-])"), single


def _has_app() -> bool:
    from flask import has_app_context

    return has_app_context()


@cache
def english_msgids() -> dict[str, str]:
    """English msgids whose Indonesian translation differs (plain texts, no placeholders)."""
    with PO.open("rb") as fh:
        catalogue = read_po(fh, locale="id")
    found: dict[str, str] = {}
    for message in catalogue:
        if not message.id or isinstance(message.id, tuple) or "%" in message.id or message.fuzzy:
            continue
        text = " ".join(str(message.id).split())
        translated = message.string if isinstance(message.string, str) else ""
        if len(text) >= 4 and translated and translated.strip() != text and re.search("[a-z]", text):
            found[text] = translated
    return found


@dataclass
class Findings:
    problems: dict[str, list[str]] = field(default_factory=dict)
    heaviest: tuple[int, str] = (0, "")  # bytes of HTML+CSS, page: printed by the walk

    def add(self, url: str, problem: str) -> None:
        self.problems.setdefault(url, [])
        if problem not in self.problems[url] and len(self.problems[url]) < 8:
            self.problems[url].append(problem)

    def report(self) -> str:
        return "\n".join(
            f"{url}\n    " + "\n    ".join(found) for url, found in sorted(self.problems.items())
        )


def check(page: Page, lang: str, css_size: int, findings: Findings) -> None:
    """Every check on one page; what fails is added to ``findings``."""
    pattern, single = codes()
    size = page.size + css_size
    findings.heaviest = max(findings.heaviest, (size, page.url))
    if size > BUDGET:
        findings.add(page.url, f"{size} bytes of HTML+CSS (budget {BUDGET})")
    msgids = english_msgids() if lang == "id" else {}
    for text in page.foreign:  # another language on purpose: only the language-free checks
        if NONE.search(text) or COUNT.search(URLISH.sub(" ", text)):
            findings.add(page.url, f"'None' or a decimal count in {text[:80]!r}")
    for text in [*page.texts, *page.attrs]:
        if NONE.search(text):
            findings.add(page.url, f"'None' in {text[:80]!r}")
        words = URLISH.sub(" ", text)
        if m := pattern.search(words):
            findings.add(page.url, f"raw code {m.group(0)!r} in {text[:80]!r}")
        if m := COUNT.search(words):
            findings.add(page.url, f"count {m.group(0)!r} in {text[:80]!r}")
        if lang != "id":
            continue
        if words.strip() in single:
            findings.add(page.url, f"raw state {words.strip()!r}")
        if m := ENGLISH.search(words):
            findings.add(page.url, f"English {m.group(0)!r} in {text[:80]!r}")
        if text.strip() in msgids:
            findings.add(page.url, f"untranslated {text.strip()[:80]!r} (id: {msgids[text.strip()][:40]!r})")


def in_scope(href: str, slug: str) -> str | None:
    """The path (and query) to follow for a link on a page, or None: outside the walked village,
    a file download, another language, an external site."""
    href, _fragment = urldefrag(href)
    parts = urlsplit(href)
    if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc != "localhost"):
        return None
    path = parts.path
    if not path.startswith("/") or SKIP_PATH.search(path) or "lang=" in parts.query:
        return None
    if path.startswith("/desa/") and not path.startswith(f"/desa/{slug}/"):
        return None
    if "page=" in parts.query and not re.search(r"(^|&)page=2(&|$)", parts.query):
        return None  # one further page of a list is enough
    return path + (f"?{parts.query}" if parts.query else "")


def walk(
    client,  # noqa: ANN001
    starts: Iterable[str],
    slug: str,
    lang: str,
    findings: Findings,
    depth: int = 2,
    forms: dict[str, Form] | None = None,
) -> list[str]:
    """GET the start pages and the pages they link to (``depth`` levels), checking each; the POST
    forms with a required field are collected in ``forms`` (by action) for :func:`submit_empty`."""
    css: dict[str, int] = {}
    seen: set[str] = set()
    frontier = [s for s in starts]
    visited: list[str] = []
    for _level in range(depth + 1):
        following: list[str] = []
        for url in frontier:
            if url in seen or len(visited) >= MAX_PAGES:
                continue
            seen.add(url)
            try:
                resp = client.get(url)
            except Exception as exc:  # noqa: BLE001 - a page that crashes is a finding, the walk goes on
                findings.add(url, f"error {type(exc).__name__}: {str(exc)[:120]}")
                continue
            if resp.status_code in (301, 302, 303, 307, 308):
                target = in_scope(resp.headers.get("Location", ""), slug)
                if target:
                    following.append(target)
                continue
            if resp.status_code >= 500:
                findings.add(url, f"status {resp.status_code}")
                continue
            if "text/html" not in resp.headers.get("Content-Type", ""):
                continue
            visited.append(url)
            page = parse(url, resp.status_code, resp.get_data(as_text=True), lang)
            for href in page.styles:
                if href not in css:
                    sheet = client.get(urlsplit(href).path)
                    css[href] = len(sheet.get_data()) if sheet.status_code == 200 else 0
            check(page, lang, sum(css[h] for h in page.styles), findings)
            if forms is not None:
                for form in page.forms:
                    action = in_scope(form.action or url, slug)
                    if form.required and action and action not in forms:
                        forms[action] = form
            if resp.status_code == 200:
                following += [t for t in (in_scope(h, slug) for h in page.links) if t and t not in seen]
        frontier = following
    return visited


def submit_empty(client, forms: dict[str, Form], lang: str, findings: Findings) -> int:  # noqa: ANN001
    """POST each form with its required fields left empty and check the page that answers: the
    refusal (which changes nothing) must read in words too ("Wajib diisi", not "This field is
    required"). Returns how many answered with a page."""
    answered = 0
    for action, form in sorted(forms.items()):
        try:
            resp = client.post(action, data=form.fields)
        except Exception as exc:  # noqa: BLE001 - a crash is a finding, the walk goes on
            findings.add(f"POST {action}", f"error {type(exc).__name__}: {str(exc)[:120]}")
            continue
        if resp.status_code >= 500:
            findings.add(f"POST {action}", f"status {resp.status_code}")
        if "text/html" not in resp.headers.get("Content-Type", "") or resp.status_code in (301, 302, 303):
            continue
        answered += 1
        check(parse(f"POST {action}", resp.status_code, resp.get_data(as_text=True), lang), lang, 0, findings)
    return answered
