"""The bare baseline of ``bench/page_list.py``: Flask + Flask-SQLAlchemy + Jinja, one route.

It renders the same 20 residents as the platform's residents page (the village's residents by
``name_search, name, id``, first page, one query) into a page of the same shape: a layout with a
header and a list of 20 rows (name linked, NIK, sex, birth date, status). Nothing else: no sign-in,
no village lookup, no plugins, no count, no filters form, no translations, no security headers.

    BARE_DATABASE_URL=sqlite:///… BARE_TENANT_ID=1 gunicorn bench.bare_pages.page_app:app
"""

from __future__ import annotations

import os
import uuid
from datetime import date
from pathlib import Path

from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Boolean, Date, Integer, String, Uuid, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Resident(db.Model):
    """The columns of ``smart_government_residents`` the page shows, mapped plainly."""

    __tablename__ = "smart_government_residents"

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    nik: Mapped[str] = mapped_column(String(16))
    nik_temporary: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(120))
    name_search: Mapped[str] = mapped_column(String(120))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(20))
    hamlet_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(20))


def create_app() -> Flask:
    """The bare app, on ``BARE_DATABASE_URL``, listing village ``BARE_TENANT_ID``."""
    app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BARE_DATABASE_URL"]
    tenant_id = int(os.environ.get("BARE_TENANT_ID", "1"))
    db.init_app(app)

    @app.get("/residents")
    def residents():  # noqa: ANN202
        stmt = (
            select(Resident)
            .where(Resident.tenant_id == tenant_id)
            .order_by(Resident.name_search, Resident.name, Resident.id)
            .limit(20)
        )
        return render_template("residents.html", residents=db.session.scalars(stmt).all())

    return app


app = create_app() if "BARE_DATABASE_URL" in os.environ else None


def count_statements() -> int:
    """SQL statements one request runs (for ``bench/page_list.py``; a process of its own, so that
    the platform's session hooks are not loaded)."""
    from sqlalchemy import event

    bare = create_app()
    client = bare.test_client()
    client.get("/residents")
    with bare.app_context():
        engine = db.engine
    seen: list[int] = []
    event.listen(engine, "before_cursor_execute", lambda *_a: seen.append(1))
    client.get("/residents")
    return len(seen)


if __name__ == "__main__":
    print(count_statements())
