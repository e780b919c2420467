"""The bare baseline of ``bench/api_list.py``: Flask + Flask-SQLAlchemy, one model, one route.

It serves the same 20 residents as the platform's ``GET …/smart_government/residents`` with the
same query (the village's residents by ``name_search, name, id``, first page), as the same JSON
fields, and nothing else: no token, no village lookup, no plugins, no pagination count, no
isolation hook and, on PostgreSQL, no RLS (it connects as a role that bypasses it).

    BARE_DATABASE_URL=sqlite:///… BARE_TENANT_ID=1 gunicorn bench.bare.api_app:app
"""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Boolean, Date, DateTime, Integer, String, Uuid, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Resident(db.Model):
    """The platform's ``smart_government_residents`` table, mapped plainly."""

    __tablename__ = "smart_government_residents"

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    nik: Mapped[str] = mapped_column(String(16))
    nik_temporary: Mapped[bool] = mapped_column(Boolean)
    family_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(120))
    name_search: Mapped[str] = mapped_column(String(120))
    birth_place: Mapped[str | None] = mapped_column(String(80))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(20))
    religion: Mapped[str | None] = mapped_column(String(30))
    marital_status: Mapped[str | None] = mapped_column(String(30))
    relationship_to_head: Mapped[str | None] = mapped_column(String(30))
    education: Mapped[str | None] = mapped_column(String(60))
    occupation: Mapped[str | None] = mapped_column(String(80))
    citizenship: Mapped[str] = mapped_column(String(3))
    blood_type: Mapped[str | None] = mapped_column(String(3))
    hamlet_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(20))
    father_name: Mapped[str | None] = mapped_column(String(120))
    father_nik: Mapped[str | None] = mapped_column(String(16))
    mother_name: Mapped[str | None] = mapped_column(String(120))
    mother_nik: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


FIELDS = (
    "address",
    "birth_date",
    "birth_place",
    "blood_type",
    "citizenship",
    "education",
    "family_id",
    "father_name",
    "father_nik",
    "hamlet_id",
    "id",
    "marital_status",
    "mother_name",
    "mother_nik",
    "name",
    "nik",
    "nik_temporary",
    "occupation",
    "phone",
    "relationship_to_head",
    "religion",
    "sex",
    "status",
)


def _json(value: object) -> object:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def create_app(database_url: str, tenant_id: int) -> Flask:
    """The bare app on ``database_url``, serving village ``tenant_id``'s residents."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    db.init_app(app)

    @app.get("/residents")
    def residents():  # noqa: ANN202
        size = min(int(request.args.get("page_size", 20)), 100)
        stmt = (
            select(Resident)
            .where(Resident.tenant_id == tenant_id)
            .order_by(Resident.name_search, Resident.name, Resident.id)
            .limit(size)
        )
        rows = db.session.scalars(stmt).all()
        return jsonify([{f: _json(getattr(r, f)) for f in FIELDS} for r in rows])

    return app


def _from_env() -> Flask | None:
    url = os.environ.get("BARE_DATABASE_URL")
    return create_app(url, int(os.environ["BARE_TENANT_ID"])) if url else None


app = _from_env()
