"""Rendering a kind's wording in a sandbox with the village's own terms; villages' own wording.

Wording is plain text (inbox, e-mail, SMS): no HTML escaping here; pages escape on display. It is
Jinja rendered in a :class:`~jinja2.sandbox.SandboxedEnvironment` because a village admin may edit
it: a template cannot reach Python internals. Compiled templates are cached by their source text,
so rendering on a request costs microseconds.

A village may replace the wording of the inbox and e-mail texts per kind and language
(``notification_templates``); WhatsApp uses the pre-approved template named by the kind, and SMS
uses the kind's own short text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, Undefined, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Tenant, User
from ..models.notification import NotificationChannel, NotificationTemplate
from ..services import ServiceError, audit
from ..services.i18n import _
from .kinds import LOCALES, NotificationKind, get_kind

log = logging.getLogger(__name__)

EDITABLE_CHANNELS: tuple[str, ...] = ("inbox", "email")
SUBJECT_MAX = 300
BODY_MAX = 5000
RANGE_MAX = 1000  # items of one range() in a wording (the sandbox's own limit is 100,000)
LOOP_DEPTH_MAX = 2  # for-loops inside for-loops a village's wording may nest


class LimitedSandbox(SandboxedEnvironment):
    """The sandbox, with no way to build a huge value: ``*`` and ``**`` whose result would be
    longer than a message may be (``'a' * 10**9``, ``9 ** 10**8``) and big ranges are refused
    (a SecurityError, i.e. a TemplateError) before anything is computed."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = _small_range
        for name in WIDTH_FILTERS:
            self.filters[name] = _bounded(self.filters[name])

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:  # noqa: ANN001
        if operator == "**":
            _check_power(left, right)
            return left**right
        if operator == "%":
            _check_format(left)
            return left % right
        _check_product(left, right)
        return left * right

    def wrap_str_format(self, value: Any) -> Any:
        wrapped = super().wrap_str_format(value)
        if wrapped is not None and _WIDE_BRACES.search(str(value.__self__)):  # "{:>999999999}".format
            raise SecurityError("a format width would make the text too long")
        return wrapped


WIDTH_FILTERS = ("center", "indent", "wordwrap", "truncate", "format", "replace")
_WIDE_BRACES = re.compile(r"\{[^{}]*:[^{}]*\d{5,}[^{}]*\}")
_WIDE_FORMAT = re.compile(r"%[-#0 +]*(\*|\d{5,})|%[-#0 +]*\d*\.(\*|\d{5,})")


def _check_format(value: Any) -> None:
    if isinstance(value, str) and _WIDE_FORMAT.search(value):
        raise SecurityError("a format width would make the text too long")


def _bounded(apply: Any) -> Any:
    """A filter refusing widths or counts beyond a message's length (``center(10**9)``) and a
    ``replace`` that would multiply the text's length."""

    def limited(*args: Any, **kwargs: Any) -> Any:
        values = [a for a in args if not isinstance(a, (dict, str))] + list(kwargs.values())
        if any(isinstance(v, int) and not isinstance(v, bool) and v > BODY_MAX for v in values):
            raise SecurityError("a width or count is larger than a message may be")
        strings = [a for a in args if isinstance(a, str)]
        if apply.__name__ == "do_format" and strings:
            _check_format(strings[0])
        if apply.__name__ == "do_replace" and len(strings) >= 3:
            grown = strings[0].count(strings[1] or " ") * len(strings[2])
            if grown > BODY_MAX * 4:
                raise SecurityError("the replacement would make the text too long")
        return apply(*args, **kwargs)

    limited.__dict__.update(getattr(apply, "__dict__", {}))  # keep jinja's pass_context marks
    return limited


def _small_range(*args: int) -> range:
    found = range(*args)
    if len(found) > RANGE_MAX:
        raise SecurityError(f"range() may have at most {RANGE_MAX} items")
    return found


def _digits(value: Any) -> int:
    return len(str(abs(value))) if isinstance(value, int) else 1


def _check_power(base: Any, exponent: Any) -> None:
    if not (isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1 and exponent > 0):
        return
    if exponent * (_digits(base) - 1) > BODY_MAX or exponent > BODY_MAX * 4:
        raise SecurityError("the result of ** would be too large")


def _check_product(left: Any, right: Any) -> None:
    for sequence, times in ((left, right), (right, left)):
        if (
            isinstance(sequence, (str, list, tuple))
            and isinstance(times, int)
            and len(sequence) * times > BODY_MAX
        ):
            raise SecurityError("the result of * would be too long")
    if isinstance(left, int) and isinstance(right, int) and _digits(left) + _digits(right) > BODY_MAX:
        raise SecurityError("the result of * would be too large")


_lenient = LimitedSandbox(autoescape=False, undefined=Undefined, keep_trailing_newline=False)
_strict = LimitedSandbox(autoescape=False, undefined=StrictUndefined)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


@lru_cache(maxsize=1024)
def _compiled(source: str, strict: bool):  # noqa: ANN202 - a jinja2 Template
    return (_strict if strict else _lenient).from_string(source)


def _filled(source: str, context: dict[str, Any], limit: int, *, strict: bool = False) -> str:
    """``source`` rendered, stopped once it is longer than ``limit`` characters (a loop cannot
    make a message of megabytes); in a strict check, too long is an error."""
    parts: list[str] = []
    size = 0
    for part in _compiled(source, strict).generate(context):
        parts.append(part)
        size += len(part)
        if size > limit:
            if strict:
                raise SecurityError(f"the text would be longer than {limit} characters")
            break
    return "".join(parts)[:limit].strip()


def one_line(text: str) -> str:
    """A subject on one line: an e-mail header cannot hold a line break (a multi-line reason)."""
    return " ".join(text.split())


def _rendered(subject: str, body: str, context: dict[str, Any], *, strict: bool = False) -> Rendered:
    return Rendered(
        one_line(_filled(subject, context, SUBJECT_MAX * 4, strict=strict))[:SUBJECT_MAX],
        _filled(body, context, BODY_MAX, strict=strict),
    )


def _loop_depth(node: nodes.Node, depth: int = 0) -> int:
    inner = depth + 1 if isinstance(node, nodes.For) else depth
    return max([inner, *(_loop_depth(child, inner) for child in node.iter_child_nodes())])


def _check_loops(source: str) -> None:
    if _loop_depth(_strict.parse(source)) > LOOP_DEPTH_MAX:
        raise SecurityError(f"loops may be nested at most {LOOP_DEPTH_MAX} deep")


def _context(village: Tenant | None, data: dict[str, Any]) -> dict[str, Any]:
    from ..kit.terms import Terms, terms_for

    terms = terms_for(village) if village is not None else Terms("", "", "", "", "")
    return {
        **data,
        "terms": terms,
        "village": {"name": village.name, "slug": village.slug} if village is not None else None,
    }


def pick_locale(locale: str | None) -> str:
    """``id`` or ``en``: the recipient's language, Bahasa Indonesia when unknown."""
    short = (locale or "id").split("_")[0].split("-")[0].lower()
    return short if short in LOCALES else "id"


def default_wording(kind: NotificationKind, locale: str) -> dict[str, str]:
    """The kind's own wording in ``locale`` (Bahasa Indonesia, else English, when it has none)."""
    return kind.templates.get(locale) or kind.templates.get("id") or kind.templates["en"]


def _override(session: Session, village: Tenant, kind: str, channel: str, locale: str):  # noqa: ANN202
    return session.scalar(
        select(NotificationTemplate).where(
            NotificationTemplate.tenant_id == village.id,
            NotificationTemplate.kind == kind,
            NotificationTemplate.channel == NotificationChannel(channel),
            NotificationTemplate.locale == locale,
        )
    )


def own_wordings(
    session: Session, village: Tenant, kind: str, channels: Iterable[str], locale: str
) -> dict[str, NotificationTemplate]:
    """Channel -> the village's own wording of ``kind`` in ``locale``, for those of ``channels``
    that can have one, in one query (none when no channel is editable)."""
    wanted = [NotificationChannel(c) for c in dict.fromkeys(channels) if c in EDITABLE_CHANNELS]
    if not wanted:
        return {}
    rows = session.scalars(
        select(NotificationTemplate).where(
            NotificationTemplate.tenant_id == village.id,
            NotificationTemplate.kind == kind,
            NotificationTemplate.channel.in_(wanted),
            NotificationTemplate.locale == pick_locale(locale),
        )
    )
    return {row.channel.value: row for row in rows}


_LOOKUP = object()  # render(): look the village's own wording up


def render(
    kind: NotificationKind | str,
    channel: str,
    locale: str,
    data: dict[str, Any],
    village: Tenant | None = None,
    session: Session | None = None,
    *,
    own: NotificationTemplate | None | object = _LOOKUP,
) -> Rendered:
    """The subject and body of ``kind`` for ``channel`` in ``locale``.

    A village's own wording is used for the inbox and e-mail when ``session`` (bound to the
    village) is given; if it fails to render (a typo the check missed), the default is used and
    the failure logged, so a message is never lost to a village's edit. ``own``: that wording
    already looked up (:func:`own_wordings`; None: the village has none), so no query is made.
    """
    kind = get_kind(kind) if isinstance(kind, str) else kind
    locale = pick_locale(locale)
    context = _context(village, data)
    if village is not None and session is not None and channel in EDITABLE_CHANNELS:
        if own is _LOOKUP:
            own = _override(session, village, kind.key, channel, locale)
        if own is not None and not kind.secret:
            try:
                return _rendered(own.subject, own.body, context)
            except Exception:  # noqa: BLE001 - any failure of a village's edit: the default is used
                log.exception("village %s: own wording of %s fails; default used", village.slug, kind.key)
    wording = default_wording(kind, locale)
    body_source = wording.get("sms", wording["body"]) if channel == "sms" else wording["body"]
    return _rendered(wording.get("subject", ""), body_source, context)


def check(kind: NotificationKind, subject: str, body: str, village: Tenant | None) -> Rendered:
    """Render a village's draft with the kind's sample data, strictly: a ServiceError in words
    names what is wrong (bad syntax, unknown name, forbidden attribute)."""
    context = _context(village, dict(kind.sample))
    try:
        _check_loops(subject)
        _check_loops(body)
        return _rendered(subject, body, context, strict=True)
    except (TemplateError, ArithmeticError, MemoryError) as exc:
        raise ServiceError(
            _("The wording cannot be used: %(problem)s", problem=str(exc)), "bad_template"
        ) from None


def preview(
    kind: NotificationKind | str,
    channel: str,
    locale: str,
    village: Tenant | None,
    session: Session | None = None,
) -> Rendered:
    """The text as the village's residents would get it now, filled with the kind's sample data."""
    kind = get_kind(kind) if isinstance(kind, str) else kind
    return render(kind, channel, locale, dict(kind.sample), village, session)


def own_wording(
    session: Session, village: Tenant, kind: str, channel: str, locale: str
) -> NotificationTemplate | None:
    """The village's own wording, or None when it uses the default."""
    return _override(session, village, kind, channel, pick_locale(locale))


def save_template(
    session: Session,
    village: Tenant,
    kind: str,
    channel: str,
    locale: str,
    subject: str,
    body: str,
    *,
    actor: User | None = None,
    commit: bool = True,
) -> NotificationTemplate | None:
    """Store the village's wording of ``kind`` (checked first); an empty body restores the
    default (the row is removed, None returned). ``session`` must be bound to ``village``."""
    spec = get_kind(kind)
    if spec.secret:  # a code or a reset link: nobody may put it in the subject or point it elsewhere
        raise ServiceError(_("The wording of this message cannot be changed."), "not_editable")
    if channel not in EDITABLE_CHANNELS:
        raise ServiceError(_("Only the in-site and e-mail wording can be changed."), "not_editable")
    if locale not in LOCALES:
        raise ServiceError(_("Unknown language."), "unknown_locale")
    subject, body = (subject or "").strip(), (body or "").strip()
    row = _override(session, village, kind, channel, locale)
    if not body:
        if row is not None:
            session.delete(row)
        _audit(session, village, actor, kind, channel, locale, restored=True)
        if commit:
            session.commit()
        return None
    if len(subject) > SUBJECT_MAX or len(body) > BODY_MAX:
        raise ServiceError(
            _("The subject may have at most %(s)d characters and the text %(b)d.", s=SUBJECT_MAX, b=BODY_MAX),
            "too_long",
        )
    check(spec, subject, body, village)
    if row is None:
        row = NotificationTemplate(
            tenant_id=village.id, kind=kind, channel=NotificationChannel(channel), locale=locale
        )
        session.add(row)
    row.subject, row.body = subject, body
    _audit(session, village, actor, kind, channel, locale, restored=False)
    if commit:
        session.commit()
    return row


def _audit(session, village, actor, kind, channel, locale, *, restored: bool) -> None:  # noqa: ANN001
    audit.record(
        "notifications.wording_restored" if restored else "notifications.wording_changed",
        actor=actor,
        tenant_id=village.id,
        target=f"{kind}:{channel}:{locale}",
        session=session,
    )
