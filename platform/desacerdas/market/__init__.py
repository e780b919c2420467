"""The regency-wide market: every village's public products of a regency (or of the platform) on
one public page, read through the platform's one audited reader of the market listing."""

from .views import bp

__all__ = ["bp"]
