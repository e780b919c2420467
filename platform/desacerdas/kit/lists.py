"""Lists: one declaration of a list's filters, sorts and page size, used by its page, its API
endpoint, its export and the command line alike.

A pillar declares a :class:`ListSpec` once, next to its service::

    RESIDENTS = ListSpec(
        filters={
            "q": Filter(search_text),
            "hamlet": Filter.equals(Resident.hamlet_id, parse=uuid_value),
            "sex": Filter.equals(Resident.sex, parse=choice(Sex)),
        },
        sorts={"name": Sort(Resident.name_search, Resident.id), "nik": Sort(Resident.nik, Resident.id)},
        default_sort="name",
    )

and a page calls ``RESIDENTS.page(select(Resident))`` (arguments from ``request.args``), an API
endpoint ``RESIDENTS.api_page(stmt, args, pagination_parameters)``, an export
``RESIDENTS.query(stmt, args)``. Values are untrusted: an unreadable filter or an unknown sort is a
:class:`ListError` (a ``ServiceError`` with status 400 and a message naming the argument), which the
platform's error handlers answer as a 400 page or a JSON error. Page numbers are never an error (see
``web.pagination``); a page size above the maximum is refused, not silently cut.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import request
from sqlalchemy import ColumnElement, Select, func

from ..api import pagination as api_pagination
from ..services import ServiceError
from ..services.i18n import _
from ..web.pagination import Page, fetch, page_size, parse_page
from ..web.urls import current_url_with

Parser = Callable[[str], Any]


class ListError(ServiceError):
    """A list argument that cannot be used; ``argument`` names it (``sex``, ``sort``, ``page_size``)."""

    def __init__(self, argument: str, message: str, code: str = "invalid_filter") -> None:
        super().__init__(message, code, 400)
        self.argument = argument


# -- parsers: text → value, ValueError (with a message) when the text is not one -------------------


def text(value: str) -> str:
    """Stripped text (an empty filter is skipped before it gets here)."""
    return value.strip()


def integer(minimum: int | None = None, maximum: int | None = None) -> Parser:
    """A whole number within bounds."""

    def parse(value: str) -> int:
        raw = value.strip()
        if not raw.lstrip("-").isdigit() or len(raw) > 18:
            raise ValueError(_("%(value)s is not a whole number.", value=raw[:40]))
        number = int(raw)
        if minimum is not None and number < minimum:
            raise ValueError(_("%(value)s is below the least allowed, %(low)s.", value=number, low=minimum))
        if maximum is not None and number > maximum:
            raise ValueError(_("%(value)s is above the most allowed, %(high)s.", value=number, high=maximum))
        return number

    return parse


def uuid_value(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise ValueError(_("%(value)s is not a valid identifier.", value=value.strip()[:40])) from None


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(_("%(value)s is not a date (YYYY-MM-DD).", value=value.strip()[:40])) from None


def choice(
    options: type[enum.Enum] | Iterable[str] | Mapping[str, Any], message: str | None = None
) -> Parser:
    """One of ``options``: an Enum (by value), a list of words, or a mapping word → value."""
    if isinstance(options, type) and issubclass(options, enum.Enum):
        table: dict[str, Any] = {str(m.value): m for m in options}
    elif isinstance(options, Mapping):
        table = dict(options)
    else:
        table = {o: o for o in options}

    def parse(value: str) -> Any:
        word = value.strip()
        if word not in table:
            raise ValueError(message or _("Choose one of: %(options)s.", options=", ".join(table)))
        return table[word]

    return parse


def boolean(value: str) -> bool:
    word = value.strip().lower()
    if word in ("1", "true", "yes", "ya", "on"):
        return True
    if word in ("0", "false", "no", "tidak", "off"):
        return False
    raise ValueError(_("Use 1 or 0."))


# -- the declaration --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """How one query argument narrows the SELECT: ``apply(stmt, parsed value) -> stmt``."""

    apply: Callable[[Select, Any], Select]
    parse: Parser = text

    @classmethod
    def equals(cls, column: Any, parse: Parser = text) -> Filter:
        return cls(lambda stmt, value: stmt.where(column == value), parse)

    @classmethod
    def contains(cls, column: Any) -> Filter:
        """Part of a text, ignoring case, with ``%`` and ``_`` taken literally."""
        return cls(
            lambda stmt, value: stmt.where(func.lower(column).contains(value.lower(), autoescape=True))
        )


@dataclass(frozen=True)
class Sort:
    """An allowed order: columns (a unique one last, so pages never overlap) and the default
    direction; ``?sort=-key`` reverses it."""

    columns: tuple[Any, ...]
    desc: bool = False

    def __init__(self, *columns: Any, desc: bool = False) -> None:
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "desc", desc)

    def order(self, reverse: bool) -> list[ColumnElement[Any]]:
        descending = self.desc != reverse
        return [c.desc() if descending else c.asc() for c in self.columns]


@dataclass
class ListResult(Page):
    """One page of a list with what produced it: the filters as parsed and the sort key."""

    filters: dict[str, Any] = field(default_factory=dict)
    sort: str | None = None
    args: dict[str, str] = field(default_factory=dict)  # the raw arguments used, for links

    @property
    def filtered(self) -> bool:
        return bool(self.filters)

    def query_args(self, **overrides: str) -> dict[str, str]:
        """The list's arguments (filters, sort, page size) without the page: for an export link."""
        return {**self.args, **overrides}

    def page_url(self, endpoint: str) -> Callable[[int], str]:
        """For the ``pager`` macro: the current page's URL at another page number."""
        return lambda number: current_url_with(endpoint, page=str(number))

    def envelope(self, dump: Callable[[Any], Any] = lambda item: item) -> dict[str, Any]:
        """``{"items": […], "pagination": {…}}``, the metadata as in ``X-Pagination``: for callers
        without flask-smorest (the command line, a JSON view)."""
        return {"items": [dump(i) for i in self.items], "pagination": api_pagination.metadata(self)}

    def headers(self) -> dict[str, str]:
        return api_pagination.headers(self)


@dataclass(frozen=True)
class ListSpec:
    """A list's filters, sorts and page size; see the module's docstring."""

    filters: Mapping[str, Filter] = field(default_factory=dict)
    sorts: Mapping[str, Sort] = field(default_factory=dict)
    default_sort: str | None = None
    per_page: int | None = None  # None: DESA_PAGE_SIZE
    max_per_page: int = api_pagination.MAX_PAGE_SIZE
    sort_arg: str = "sort"

    def __post_init__(self) -> None:
        if self.default_sort is not None and self.default_sort.lstrip("-") not in self.sorts:
            raise ValueError(f"default sort {self.default_sort!r} is not among {list(self.sorts)}")

    # -- building the statement ---------------------------------------------------------------

    def parse_filters(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """The filters given in ``args``, parsed; empty values are skipped, bad ones refused."""
        parsed: dict[str, Any] = {}
        for name, spec in self.filters.items():
            raw = args.get(name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            if not isinstance(raw, str):  # already typed (an API schema parsed it)
                parsed[name] = raw
                continue
            try:
                parsed[name] = spec.parse(raw)
            except ValueError as exc:
                message = _("Filter %(name)s: %(problem)s", name=name, problem=str(exc))
                raise ListError(name, message) from None
        return parsed

    def parse_sort(self, args: Mapping[str, Any]) -> str | None:
        raw = str(args.get(self.sort_arg) or "").strip() or self.default_sort
        if raw is None:
            return None
        if raw.lstrip("-") not in self.sorts:
            allowed = ", ".join(self.sorts)
            raise ListError(
                self.sort_arg,
                _("Sort by one of: %(sorts)s (a leading - reverses the order).", sorts=allowed),
                "invalid_sort",
            )
        return raw

    def query(self, stmt: Select, args: Mapping[str, Any] | None = None) -> Select:
        """``stmt`` filtered and sorted by ``args`` (the request's by default), not paged: for
        exports and counts."""
        stmt, _filters, _sort = self._build(stmt, self._args(args))
        return stmt

    def _build(self, stmt: Select, args: Mapping[str, Any]) -> tuple[Select, dict[str, Any], str | None]:
        filters = self.parse_filters(args)
        for name, value in filters.items():
            stmt = self.filters[name].apply(stmt, value)
        sort = self.parse_sort(args)
        if sort is not None:
            stmt = stmt.order_by(None).order_by(*self.sorts[sort.lstrip("-")].order(sort.startswith("-")))
        return stmt, filters, sort

    # -- one page ----------------------------------------------------------------------------

    def page_size_of(self, args: Mapping[str, Any], size_arg: str = "page_size") -> int:
        """``page_size`` from ``args`` (default: the spec's, else ``DESA_PAGE_SIZE``), refused with
        400 above ``max_per_page`` or when it is not a positive number."""
        default = min(self.per_page or page_size(), self.max_per_page)
        raw = args.get(size_arg)
        if raw is None or raw == "":
            return default
        text_value = str(raw).strip()
        if (
            not text_value.isascii()
            or not text_value.isdigit()
            or len(text_value) > 6  # int() refuses thousands of digits with a ValueError
            or not 1 <= int(text_value) <= self.max_per_page
        ):
            raise ListError(
                size_arg,
                _("The page size must be a number from 1 to %(max)d.", max=self.max_per_page),
                "invalid_page_size",
            )
        return int(text_value)

    def apply(
        self,
        stmt: Select,
        args: Mapping[str, Any] | None = None,
        *,
        page: int | None = None,
        per_page: int | None = None,
    ) -> ListResult:
        """One page of ``stmt`` filtered and sorted by ``args`` (``request.args`` by default): the
        page from ``page`` or ``args["page"]`` (unreadable → 1, past the end → empty)."""
        args = self._args(args)
        built, filters, sort = self._build(stmt, args)
        size = per_page if per_page is not None else self.page_size_of(args)
        number = parse_page(page if page is not None else args.get("page"))
        got = fetch(built, number, min(max(size, 1), self.max_per_page))
        used = {k: str(args[k]) for k in (*filters, "page_size") if args.get(k) not in (None, "")}
        if sort is not None and args.get(self.sort_arg):
            used[self.sort_arg] = sort
        return ListResult(got.items, got.page, got.per_page, got.total, filters, sort, used)

    def page(self, stmt: Select) -> ListResult:
        """For a page: one page from ``request.args``."""
        return self.apply(stmt, request.args)

    def api_page(self, stmt: Select, args: Mapping[str, Any], params: Any) -> list[Any]:
        """For an endpoint under ``@blp.paginate(**PAGINATION)``: filters and sort from ``args``
        (the endpoint's query schema), page and size from flask-smorest's ``params``, whose
        ``item_count`` is set so the ``X-Pagination`` header is right."""
        if "page_size" not in request.args:
            params.page_size = min(self.per_page or api_pagination.default_page_size(), self.max_per_page)
        result = self.apply(stmt, args, page=params.page, per_page=params.page_size)
        params.item_count = result.total
        return result.items

    @staticmethod
    def _args(args: Mapping[str, Any] | None) -> Mapping[str, Any]:
        return request.args if args is None else args
