"""Desa Cerdas: a multi-tenant platform for Indonesian smart villages."""

__version__ = "0.1.0"
