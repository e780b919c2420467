"""Marshmallow schemas of the API: what goes in (validated, 422 on error) and what comes out.

Input schemas refuse unknown fields so a typo in a field name is an error, not a silent no-op;
query-string schemas exclude them instead, because pagination arguments share the query string.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from ..models import VILLAGE_ROLES, Role, TenantStatus

ROLE_NAMES = [r.value for r in Role]
VILLAGE_ROLE_NAMES = sorted(r.value for r in VILLAGE_ROLES)
STATUS_NAMES = [s.value for s in TenantStatus]


class QuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE


class _Enum(fields.String):
    """Dumps an enum member (or a plain string) as its value."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else getattr(value, "value", value)


class UtcDateTime(fields.DateTime):
    """An ISO 8601 timestamp that always carries its offset (``…+00:00``).

    Every timestamp column is UTC (``DateTime(timezone=True)``), but SQLite hands back naive
    values: without this field the API would send ``2026-01-01T10:00:00``, which is not the
    ``date-time`` format the OpenAPI document promises and which clients would read as local time.
    """

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return super()._serialize(value, attr, obj, **kwargs)


# -- errors (documentation only: web/errors.py renders them) -------------------------------------


class ApiErrorBodySchema(ma.Schema):
    status = fields.Int(metadata={"description": "HTTP status code."})
    code = fields.Str(metadata={"description": "Machine-readable error code, e.g. `village_suspended`."})
    message = fields.Str(metadata={"description": "Human-readable message in the request's language."})
    details = fields.Dict(metadata={"description": "Validation errors by location and field (422 only)."})


class ApiErrorSchema(ma.Schema):
    error = fields.Nested(ApiErrorBodySchema, required=True)


# -- villages ---------------------------------------------------------------------------------


class VillageRefSchema(ma.Schema):
    id = fields.Int()
    slug = fields.Str()
    code = fields.Str()
    name = fields.Str()
    status = _Enum(metadata={"enum": STATUS_NAMES})


class VillageSchema(ma.Schema):
    id = fields.Int()
    code = fields.Str(metadata={"description": "Kemendagri area code, e.g. 51.07.01.2003."})
    slug = fields.Str()
    name = fields.Str()
    kind = fields.Str(metadata={"description": "`desa` or `kelurahan`."})
    district_code = fields.Str()
    district_name = fields.Str()
    regency_code = fields.Str()
    regency_name = fields.Str()
    province_code = fields.Str()
    province_name = fields.Str()
    status = _Enum(metadata={"enum": STATUS_NAMES})
    status_reason = fields.Str(allow_none=True)
    pillars = fields.Method("_pillars", metadata={"description": "Plugins (pillars) enabled in the village."})
    created_at = UtcDateTime()
    updated_at = UtcDateTime()

    def _pillars(self, tenant) -> list[str]:  # noqa: ANN001
        from ..plugin_system.state import enabled_for

        return sorted(enabled_for(tenant.id))


class VillageHereSchema(VillageSchema):
    """A village as seen by the caller, with what the caller may do there."""

    roles = fields.List(fields.Str(), metadata={"description": "The caller's roles covering this village."})
    permissions = fields.List(fields.Str(), metadata={"description": "Permissions the caller holds here."})


class VillageQuerySchema(QuerySchema):
    q = fields.Str(metadata={"description": "Part of the name, code or slug."})
    regency = fields.Str(
        validate=validate.Regexp(r"^\d{2}\.\d{2}$"), metadata={"description": "Regency code, e.g. 51.07."}
    )
    district = fields.Str(
        validate=validate.Regexp(r"^\d{2}\.\d{2}\.\d{2}$"),
        metadata={"description": "District code, e.g. 51.07.01."},
    )
    status = fields.Str(validate=validate.OneOf(STATUS_NAMES))


class VillageCreateSchema(ma.Schema):
    code = fields.Str(
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "Kemendagri village code (51.07.04.2007 or 5107042007)."},
    )
    slug = fields.Str(
        validate=validate.Length(min=1, max=80),
        metadata={"description": "Optional; derived from the name (made unique) when absent."},
    )


class SuspendSchema(ma.Schema):
    reason = fields.Str(required=True, validate=validate.Length(min=1, max=500))


class ArchiveSchema(ma.Schema):
    reason = fields.Str(validate=validate.Length(max=500))


# -- hamlets ----------------------------------------------------------------------------------


class HamletSchema(ma.Schema):
    id = fields.UUID()
    name = fields.Str()
    code = fields.Str(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class HamletCreateSchema(ma.Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=120))
    code = fields.Str(allow_none=True, validate=validate.Length(max=20))


class HamletUpdateSchema(ma.Schema):
    name = fields.Str(validate=validate.Length(min=1, max=120))
    code = fields.Str(allow_none=True, validate=validate.Length(max=20))


# -- users, memberships, tokens ------------------------------------------------------------


class MembershipSchema(ma.Schema):
    id = fields.Int()
    role = _Enum(metadata={"enum": ROLE_NAMES})
    village = fields.Nested(VillageRefSchema, attribute="tenant", allow_none=True)
    hamlet_id = fields.UUID(allow_none=True)
    area_prefix = fields.Str(
        allow_none=True, metadata={"description": "Regency admins: the area code prefix."}
    )
    created_at = UtcDateTime()


class UserRefSchema(ma.Schema):
    id = fields.Int()
    name = fields.Str()
    email = fields.Str(allow_none=True)
    phone = fields.Str(allow_none=True)


class UserSchema(UserRefSchema):
    active = fields.Bool()
    locale = fields.Str(allow_none=True)
    is_platform_admin = fields.Bool()
    last_login_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    memberships = fields.List(fields.Nested(MembershipSchema))


class UserQuerySchema(QuerySchema):
    q = fields.Str(metadata={"description": "Part of the name, email or phone number."})


class UserCreateSchema(ma.Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=120))
    email = fields.Email(validate=validate.Length(max=254))
    phone = fields.Str(validate=validate.Length(min=8, max=20))
    password = fields.Str(required=True, load_only=True, validate=validate.Length(min=1, max=1024))

    @ma.validates_schema
    def _needs_login(self, data: dict, **kwargs: Any) -> None:
        if not data.get("email") and not data.get("phone"):
            raise ma.ValidationError("Give an email address or a phone number.", "email")


class MembershipCreateSchema(ma.Schema):
    role = fields.Str(required=True, validate=validate.OneOf(ROLE_NAMES))
    village = fields.Str(metadata={"description": "Slug of the village (village roles and facilitators)."})
    hamlet_id = fields.UUID(metadata={"description": "Hamlet heads only."})
    area_prefix = fields.Str(metadata={"description": "Regency admins only, e.g. 51.07."})


class TokenSchema(ma.Schema):
    id = fields.Int()
    name = fields.Str()
    prefix = fields.Str(metadata={"description": "Public part of the token, to recognise it."})
    created_at = UtcDateTime()
    last_used_at = UtcDateTime(allow_none=True)
    expires_at = UtcDateTime(allow_none=True)
    revoked_at = UtcDateTime(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.Str(metadata={"description": "The token itself. Shown once: it is stored only as a hash."})


class TokenCreateSchema(ma.Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=80))
    days = fields.Int(
        validate=validate.Range(min=1, max=3650),
        metadata={"description": "Days until the token expires; never when absent."},
    )
