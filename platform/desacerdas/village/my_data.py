"""A resident's own data, as one download: ``/desa/<slug>/me/data`` (right of access, UU 27/2022).

The core writes the account, the memberships in this village and the notifications sent in it;
every plugin enabled in the village adds its sections through the ``desa_personal_data`` hook (the
smart government pillar: registry record, family, letters with their PDFs, registrations). The file
is a ZIP with ``data.json`` and the plugins' files. Only the signed-in user's own records, in this
village's bound session; the download is rate limited and audited.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date, datetime
from typing import Any
from uuid import UUID

from flask import abort, g, render_template, send_file
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db, limiter
from ..models import Membership, Notification, Tenant, User
from ..plugin_system.state import plugins
from ..services import audit
from ..web.tenant import current_tenant
from .views import bp

DOWNLOAD_LIMIT = "5 per hour"


def _plain(value: Any) -> Any:  # noqa: ANN401 - any column value
    """A JSON-safe form of a column value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def _core_sections(tenant: Tenant, user: User, session) -> list[dict]:  # noqa: ANN001 - a bound Session
    """The account, its memberships in this village, and the notifications sent to it here."""
    account = {
        "name": user.name,
        "email": user.email,
        "phone": user.phone,
        "locale": user.locale,
        "active": user.active,
        "last_login_at": _plain(user.last_login_at),
    }
    memberships = session.scalars(
        select(Membership).where(Membership.user_id == user.id, Membership.tenant_id == tenant.id)
    ).all()
    notifications = session.scalars(
        select(Notification)
        .where(Notification.recipient_user_id == user.id)
        .order_by(Notification.created_at)
    ).all()
    return [
        {"title": "account", "records": [account]},
        {
            "title": "memberships",
            "records": [{"role": _plain(m.role), "hamlet_id": _plain(m.hamlet_id)} for m in memberships],
        },
        {
            "title": "notifications",
            "records": [
                {
                    "kind": n.kind,
                    "channel": _plain(n.channel),
                    "subject": n.subject,
                    # A secret (a reset code) is not repeated in a file that may be kept for years.
                    "body": None if n.secret else n.body,
                    "status": _plain(n.status),
                    "created_at": _plain(n.created_at),
                    "read_at": _plain(n.read_at),
                }
                for n in notifications
            ],
        },
    ]


def collect(tenant: Tenant, user: User, session, enabled: frozenset[str] | set[str]) -> list[dict]:  # noqa: ANN001
    """Every section about ``user`` in ``tenant``: the core's, then each enabled plugin's."""
    sections = _core_sections(tenant, user, session)
    for group in plugins().hook_for(enabled).desa_personal_data(tenant=tenant, user=user, session=session):
        sections.extend(group or [])
    return sections


def _safe_name(name: str) -> str:
    """A relative path inside the ZIP: no absolute paths, no ``..``."""
    parts = [re.sub(r"[^A-Za-z0-9._-]", "_", p) for p in name.replace("\\", "/").split("/")]
    return "/".join(p for p in parts if p not in ("", ".", "..")) or "file"


def build_zip(tenant: Tenant, sections: list[dict]) -> bytes:
    """``data.json`` (every section's records) and each section's files, as one ZIP."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        body = {
            "village": {"code": tenant.code, "name": tenant.name},
            "generated_at": datetime.now().astimezone().isoformat(),
            "sections": [{"title": s["title"], "records": s.get("records", [])} for s in sections],
        }
        archive.writestr("data.json", json.dumps(body, ensure_ascii=False, indent=2, default=str))
        for section in sections:
            for item in section.get("files", []):
                archive.writestr(f"files/{_safe_name(item['name'])}", item["content"])
    return buffer.getvalue()


@bp.get("/me")
@login_required
def my_data_page():  # noqa: ANN201
    """The page that offers the download."""
    tenant = current_tenant()
    return render_template("village/my_data.html", tenant=tenant)


@bp.get("/me/data")
@login_required
@limiter.limit(DOWNLOAD_LIMIT, key_func=lambda: f"me-data:{current_user.get_id()}")
def my_data():  # noqa: ANN201
    """Everything this village holds about the signed-in user, as one ZIP (a GET: it changes nothing
    but the audit log, and the limit stops it being used to load the server)."""
    tenant = current_tenant()
    user = db.session.get(User, current_user.id)
    if user is None:
        abort(404)
    sections = collect(tenant, user, db.session, g.get("enabled_plugins", frozenset()))
    payload = build_zip(tenant, sections)
    audit.record(
        "personal_data.downloaded",
        actor=user,
        tenant_id=tenant.id,
        target=f"user:{user.id}",
        sections=[s["title"] for s in sections],
    )
    db.session.commit()
    stamp = datetime.now().strftime("%Y%m%d")
    return send_file(
        io.BytesIO(payload),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"data-{tenant.code.replace('.', '')}-{stamp}.zip",
        max_age=0,
    )
