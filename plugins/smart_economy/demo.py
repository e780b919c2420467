"""Demo market, made through the real services: three residents' shops (approved, one waiting for
a decision, one suspended) and a BUMDes unit, with products priced in rupiah and small photos
(plain coloured pictures standing in for real ones)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desacerdas.models import Tenant, User
from desacerdas.services import documents as docs

from .catalogue import service as catalogue
from .sellers import service as sellers
from .sellers.models import Seller

# (business, category, owner's phone, products: (name, category, price, unit, stock or None))
SHOPS = (
    ("Warung Men Sari", "food", "081237001001", (
        ("Jaja Bali (sepaket)", "food", 15_000, "paket", 20),
        ("Nasi campur", "food", 20_000, "bungkus", None),
        ("Sambal matah", "food", 12_000, "botol", 8),
    )),
    ("Kopi Bebandem", "drink", "081237001002", (
        ("Kopi robusta bubuk", "drink", 35_000, "250 g", 30),
        ("Kopi arabika biji", "drink", 60_000, "250 g", 12),
    )),
    ("Anyaman Ibu Kadek", "craft", "081237001003", (
        ("Keben anyaman bambu", "craft", 85_000, "pcs", 5),
        ("Sokasi kecil", "craft", 45_000, "pcs", None),
    )),
)  # fmt: skip
BUMDES_PRODUCTS = (
    ("Beras merah lokal", "produce", 18_000, "kg", 200),
    ("Salak Sibetan", "produce", 15_000, "kg", 80),
    ("Minyak kelapa tradisional", "food", 30_000, "botol", 25),
)
COLOURS = ((176, 84, 44), (92, 64, 51), (170, 140, 70), (110, 140, 60), (190, 120, 40))


def _picture(label: str, colour: tuple[int, int, int]) -> docs.NewFile:
    image = Image.new("RGB", (480, 360), colour)
    ImageDraw.Draw(image).text((24, 160), label, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    out.seek(0)
    return docs.NewFile(out, "foto.jpg")


def _owners(tenant: Tenant, session: Session, head: User, count: int) -> list[User]:
    """Residents with accounts to keep the shops (accounts opened for adults who have none)."""
    from smart_government.accounts import service as accounts
    from smart_government.accounts.models import ResidentAccount
    from smart_government.registry.models import Resident, ResidentStatus

    taken = select(ResidentAccount.resident_id)
    users: list[User] = []
    for resident in session.scalars(
        select(Resident)
        .where(
            Resident.status == ResidentStatus.LIVING,
            Resident.nik_temporary.is_(False),
            Resident.id.not_in(taken),
        )
        .order_by(Resident.birth_date)
        .limit(count)
    ):
        account, _pin = accounts.create_account(tenant, session, resident, head)
        session.flush()
        users.append(session.get(User, account.user_id))
    return users


def _stock(session: Session, tenant: Tenant, keeper: User, seller: Seller, products, n: int) -> int:  # noqa: ANN001
    for name, category, price, unit, stock in products:
        product = catalogue.save(
            session, tenant, keeper, seller, name=name, category=category, price=price, unit=unit, stock=stock
        )
        session.commit()
        catalogue.add_photo(session, tenant, keeper, product, _picture(name, COLOURS[n % len(COLOURS)]))
        n += 1
    return n


def load(tenant: Tenant, session: Session) -> int:
    """Fill the village's market once; returns the shops made (0 when there were some)."""
    if session.scalar(select(func.count(Seller.id))):
        return 0
    from smart_government.letters.demo import _village_head

    head = _village_head(tenant, session)
    owners = _owners(tenant, session, head, len(SHOPS) + 1)
    if len(owners) < len(SHOPS) + 1:
        return 0
    n = 0
    for (business, category, phone, products), owner in zip(SHOPS, owners, strict=False):
        shop = sellers.apply(
            session, tenant, owner, business_name=business, category=category, phone=phone,
            hamlet_id=None, pickup_address=None, description=None, nib=None, npwp=None,
        )  # fmt: skip
        sellers.move(session, tenant, head, shop, "approve")
        session.commit()
        n = _stock(session, tenant, owner, shop, products, n)
    # one application waiting, one shop suspended (its products leave the market)
    sellers.apply(
        session, tenant, owners[-1], business_name="Laundry Kiloan Banjar", category="service",
        phone="081237001009", hamlet_id=None, pickup_address=None, description=None, nib=None, npwp=None,
    )  # fmt: skip
    session.flush()
    last = session.scalar(select(Seller).where(Seller.business_name == SHOPS[-1][0]))
    sellers.move(session, tenant, head, last, "suspend", "Foto produk belum sesuai; mohon diperbarui.")
    unit = sellers.register_bumdes_unit(
        session, tenant, head, business_name="Toko BUMDes", category="produce", phone="081237001010",
        hamlet_id=None, pickup_address="Kantor BUMDes, sebelah kantor desa", description=None,
        nib=None, npwp=None,
    )  # fmt: skip
    session.commit()
    _stock(session, tenant, head, unit, BUMDES_PRODUCTS, n)
    return len(SHOPS) + 2
