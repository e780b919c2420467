"""Document pages of a village: list, upload (with progress), detail with versions, download, delete.

Every page lives under ``/desa/<slug>/documents`` and sees only that village's documents. Who may
read a document is decided by :mod:`desacerdas.services.documents`; a document a visitor may not
read answers 404 like a missing one, so ids are never confirmed.
"""

from .views import bp

__all__ = ["bp"]
