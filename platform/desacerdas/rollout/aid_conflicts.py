"""Double receipt of social aid across villages, in full, for the regency (and the platform).

A village hears only "conflict: source and period" from the aid ledger; the regency admin sees
both sides for the villages of their area: which villages, which programmes, which periods. Read
through :func:`desacerdas.services.aid_ledger.regency_conflicts`, the one audited reader.
"""

from __future__ import annotations

from flask import abort, render_template
from flask.typing import ResponseReturnValue

from ..extensions import db
from ..models import Tenant
from ..services import aid_ledger
from . import scope
from .access import board_page, filter_form, user
from .views import bp

LIMIT = 500


@bp.get("/rollout/aid-conflicts")
@board_page
def aid_conflicts() -> ResponseReturnValue:
    viewer = user()
    if not scope.reads_across_villages(viewer):
        abort(403)
    form, filters = filter_form()
    everywhere = viewer.is_platform_admin and not filters.as_args()
    ids = (
        None
        if everywhere
        else list(db.session.scalars(scope.villages(viewer, filters).with_only_columns(Tenant.id)))
    )
    rows = aid_ledger.regency_conflicts(ids, actor=viewer, limit=LIMIT)
    return render_template(
        "rollout/aid_conflicts.html",
        form=form,
        rows=rows,
        limit=LIMIT,
        filtered=bool(filters.as_args()),
        source_kind=aid_ledger.SOURCE_KIND,
    )
