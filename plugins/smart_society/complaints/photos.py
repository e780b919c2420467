"""A complaint's photos: at most three pictures kept as the village's documents (downscaled and
without metadata by the page, through ``services.images``), readable by the complainant and staff."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from desacerdas.models import Document, Tenant, User, Visibility
from desacerdas.services import ServiceError
from desacerdas.services import documents as docs
from desacerdas.services.i18n import N_, _, indonesian

from .models import Complaint


def _invalid(message: str, code: str) -> ServiceError:
    return ServiceError(message, code, 400)


PHOTOS_MAX = 3


def attach_photos(
    session: Session, tenant: Tenant, user: User, complaint: Complaint, photos: Sequence[docs.NewFile]
) -> list[Document]:
    """Keep the photos of a complaint being filed (at most three images); commits, together with
    the complaint: a photo refused (type, size, the village's space) files nothing."""
    if len(photos) > PHOTOS_MAX:
        raise _invalid(_("At most %(max)d photos.", max=PHOTOS_MAX), "too_many_photos")
    owner = session.get(User, complaint.author_id) if complaint.author_id else None
    titles = [  # the village's documents are kept in Indonesian, whoever uploads
        indonesian(N_("Photo %(n)d of complaint %(number)s"), n=n, number=complaint.number)
        for n in range(1, len(photos) + 1)
    ]
    items = [
        docs.NewDocument(
            photo,
            title,
            kind="photo",
            plugin="smart_society",
            object_id=str(complaint.id),
            owner=owner,
            visibility=Visibility.OWNER,
        )
        for photo, title in zip(photos, titles, strict=True)
    ]
    return docs.store_all(tenant, items, actor=user, session=session)


def photos_of(session: Session, complaint: Complaint) -> list[Document]:
    return list(
        session.scalars(
            select(Document)
            .where(
                Document.plugin == "smart_society",
                Document.object_id == str(complaint.id),
                Document.kind == "photo",
                Document.deleted_at.is_(None),
            )
            .order_by(Document.created_at, Document.id)
        )
    )
