"""The market API's request and response schemas (marshmallow; their names are unique in the
platform's OpenAPI document, hence ``Market…``)."""

from __future__ import annotations

from marshmallow import Schema, validate
from marshmallow import fields as mf

from desacerdas.api.documents import FileField
from desacerdas.api.schemas import UtcDateTime

from .catalogue import service as catalogue
from .sellers import service as sellers
from .sellers.models import Category, SellerKind

# -- schemas: sellers ------------------------------------------------------------------------------


CATEGORIES = [c.value for c in Category]
KINDS = [k.value for k in SellerKind]


# -- schemas: sellers ------------------------------------------------------------------------------


class MarketSellerStepSchema(Schema):
    action = mf.String()
    from_state = mf.String(allow_none=True)
    to_state = mf.String()
    actor_name = mf.String(allow_none=True)
    note = mf.String(allow_none=True, metadata={"description": "The reason of a refusal or suspension"})
    at = UtcDateTime()


class MarketSellerSchema(Schema):
    id = mf.UUID()
    kind = mf.String(metadata={"description": "umkm (a resident's business) or bumdes (a BUMDes unit)"})
    status = mf.String(metadata={"description": "applied, approved, refused or suspended"})
    business_name = mf.String()
    category = mf.String(metadata={"description": ", ".join(CATEGORIES)})
    description = mf.String(allow_none=True)
    owner_name = mf.String()
    owner_user_id = mf.Integer(allow_none=True, metadata={"description": "None for a BUMDes unit"})
    owner_resident_id = mf.UUID(allow_none=True)
    phone = mf.String(metadata={"description": "The WhatsApp number buyers reach, +62…"})
    nib = mf.String(allow_none=True, metadata={"description": "Nomor Induk Berusaha (13 digits)"})
    npwp = mf.String(allow_none=True, metadata={"description": "Masked for a regency admin or facilitator"})
    hamlet_id = mf.UUID(allow_none=True)
    hamlet = mf.String(allow_none=True, metadata={"description": "The hamlet's name"})
    pickup_address = mf.String(allow_none=True)
    refusal_reason = mf.String(allow_none=True)
    suspension_reason = mf.String(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class MarketSellerDetailSchema(MarketSellerSchema):
    steps = mf.List(mf.Nested(MarketSellerStepSchema), metadata={"description": "Oldest first"})
    allowed_actions = mf.List(mf.String(), metadata={"description": "The moves the caller may take now"})


class MarketSellerQuerySchema(Schema):
    status = mf.String(
        validate=validate.OneOf(sellers.STATUS_CHOICES), metadata={"description": "all (default)"}
    )
    kind = mf.String(validate=validate.OneOf(KINDS))
    q = mf.String(metadata={"description": "Part of the business name"})
    sort = mf.String(metadata={"description": "newest (default) or name; a leading - reverses"})


class MarketSellerChangeSchema(Schema):
    """Every field of a shop; PATCH sends those it changes (the others stay)."""

    business_name = mf.String(validate=validate.Length(min=sellers.NAME_MIN, max=sellers.NAME_MAX))
    category = mf.String(validate=validate.OneOf(CATEGORIES))
    phone = mf.String(
        validate=validate.Length(max=30), metadata={"description": "WhatsApp: 0812… or +62812…"}
    )
    hamlet_id = mf.UUID(allow_none=True, metadata={"description": "Default: the owner's hamlet"})
    pickup_address = mf.String(allow_none=True, validate=validate.Length(max=300))
    description = mf.String(allow_none=True, validate=validate.Length(max=sellers.TEXT_MAX))
    nib = mf.String(allow_none=True, validate=validate.Length(max=20), metadata={"description": "13 digits"})
    npwp = mf.String(
        allow_none=True, validate=validate.Length(max=25), metadata={"description": "15 or 16 digits"}
    )


class MarketSellerCreateSchema(MarketSellerChangeSchema):
    business_name = mf.String(
        required=True, validate=validate.Length(min=sellers.NAME_MIN, max=sellers.NAME_MAX)
    )
    category = mf.String(required=True, validate=validate.OneOf(CATEGORIES))
    phone = mf.String(
        required=True,
        validate=validate.Length(max=30),
        metadata={"description": "WhatsApp: 0812… or +62812…"},
    )
    hamlet_id = mf.UUID(
        load_default=None, allow_none=True, metadata={"description": "Default: the owner's hamlet"}
    )
    pickup_address = mf.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    description = mf.String(
        load_default=None, allow_none=True, validate=validate.Length(max=sellers.TEXT_MAX)
    )
    nib = mf.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=20),
        metadata={"description": "13 digits"},
    )
    npwp = mf.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=25),
        metadata={"description": "15 or 16 digits"},
    )


class MarketSellerMoveSchema(Schema):
    note = mf.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={"description": "The reason: required to refuse or suspend; the resident reads it"},
    )


# -- schemas: products -----------------------------------------------------------------------------


class MarketPhotoSchema(Schema):
    id = mf.UUID()
    product_id = mf.UUID()
    position = mf.Integer(metadata={"description": "0 is the product's first photo"})
    document_id = mf.UUID(metadata={"description": "The photo (1024 px), a public document"})
    thumb_document_id = mf.UUID(metadata={"description": "Its thumbnail (144 px square), a public document"})
    url = mf.String(metadata={"description": "The photo's download path"})
    thumb_url = mf.String(metadata={"description": "The thumbnail's download path"})


class MarketProductSchema(Schema):
    id = mf.UUID()
    seller_id = mf.UUID()
    name = mf.String()
    description = mf.String(allow_none=True)
    category = mf.String()
    price = mf.Integer(metadata={"description": "Rupiah"})
    unit = mf.String(metadata={"description": "kg, pcs, bungkus…"})
    stock = mf.Integer(allow_none=True, metadata={"description": "None: made to order"})
    active = mf.Boolean(metadata={"description": "False: hidden by its keeper or staff"})
    public = mf.Boolean(metadata={"description": "On the public market now (active, the shop approved)"})
    photos = mf.List(mf.Nested(MarketPhotoSchema))
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class MarketProductChangeSchema(Schema):
    """Every field of a product; PATCH sends those it changes (the others stay)."""

    name = mf.String(validate=validate.Length(min=catalogue.NAME_MIN, max=catalogue.NAME_MAX))
    category = mf.String(validate=validate.OneOf(CATEGORIES))
    price = mf.Integer(
        validate=validate.Range(1, catalogue.MAX_PRICE), metadata={"description": "Whole rupiah"}
    )
    unit = mf.String(validate=validate.Length(min=1, max=catalogue.UNIT_MAX))
    description = mf.String(allow_none=True, validate=validate.Length(max=catalogue.TEXT_MAX))
    stock = mf.Integer(
        allow_none=True,
        validate=validate.Range(0, catalogue.MAX_STOCK),
        metadata={"description": "None (or left out when adding): made to order"},
    )
    active = mf.Boolean(metadata={"description": "False hides it from the market"})


class MarketProductCreateSchema(MarketProductChangeSchema):
    name = mf.String(required=True, validate=validate.Length(min=catalogue.NAME_MIN, max=catalogue.NAME_MAX))
    category = mf.String(required=True, validate=validate.OneOf(CATEGORIES))
    price = mf.Integer(
        required=True,
        validate=validate.Range(1, catalogue.MAX_PRICE),
        metadata={"description": "Whole rupiah"},
    )
    unit = mf.String(required=True, validate=validate.Length(min=1, max=catalogue.UNIT_MAX))
    description = mf.String(
        load_default=None, allow_none=True, validate=validate.Length(max=catalogue.TEXT_MAX)
    )
    stock = mf.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(0, catalogue.MAX_STOCK),
        metadata={"description": "None: made to order"},
    )
    active = mf.Boolean(load_default=True)


class MarketProductQuerySchema(Schema):
    active = mf.Boolean(metadata={"description": "Only the active (true) or the hidden (false) ones"})
    q = mf.String(metadata={"description": "Part of the name"})
    sort = mf.String(metadata={"description": "name (default) or newest; a leading - reverses"})


class MarketPhotoUploadSchema(Schema):
    file = FileField(
        required=True, metadata={"description": "A JPEG or PNG picture (made small, EXIF dropped)"}
    )


# -- schemas: the public market --------------------------------------------------------------------


class MarketPublicProductSchema(Schema):
    id = mf.UUID()
    name = mf.String()
    category = mf.String()
    price = mf.Integer(metadata={"description": "Rupiah"})
    unit = mf.String()
    available = mf.Boolean(metadata={"description": "In stock or made to order"})
    seller_id = mf.UUID()
    seller_name = mf.String()
    thumb_url = mf.String(allow_none=True, metadata={"description": "The first photo's thumbnail (path)"})


class MarketPublicPhotoSchema(Schema):
    url = mf.String()
    thumb_url = mf.String()


class MarketPublicProductDetailSchema(MarketPublicProductSchema):
    description = mf.String(allow_none=True)
    photos = mf.List(mf.Nested(MarketPublicPhotoSchema))
    whatsapp_url = mf.String(metadata={"description": "Chat with the seller (wa.me), naming the product"})


class MarketPublicSellerSchema(Schema):
    id = mf.UUID()
    kind = mf.String(metadata={"description": "umkm or bumdes"})
    business_name = mf.String()
    category = mf.String()
    description = mf.String(allow_none=True)
    hamlet = mf.String(allow_none=True, metadata={"description": "The hamlet's name"})
    pickup_address = mf.String(allow_none=True)
    whatsapp_url = mf.String(metadata={"description": "Chat with the seller (wa.me)"})


class MarketPublicQuerySchema(Schema):
    category = mf.String(validate=validate.OneOf(CATEGORIES))
    seller = mf.UUID(metadata={"description": "One shop's products"})
    q = mf.String(metadata={"description": "Part of the name"})
    sort = mf.String(metadata={"description": "name (default), cheapest or newest; a leading - reverses"})
