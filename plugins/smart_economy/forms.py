"""The market pages' forms (WTForms, CSRF): a shop (a resident's application, a BUMDes unit, a
shop's details), a staff decision on a seller, a product and its photo."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation

from .catalogue import service as catalogue
from .sellers import service as sellers

AT_MOST = _l("At most %(max)d characters.")
WHOLE_NUMBER = _l("Give a whole number.")
RUPIAH = re.compile(r"^\d{1,3}(?:\.\d{3})+$|^\d+$")  # 20000 or 20.000


class WholeNumberField(IntegerField):
    """An integer field that says only "give a whole number" for text that is none (not that,
    and also that it is out of range)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist and not (valuelist[0] or "").strip():
            self.data = None  # empty: no number (Optional or DataRequired decides)
            return
        super().process_formdata(valuelist)

    def pre_validate(self, form: FlaskForm) -> None:
        if self.process_errors:
            raise StopValidation()


class RupiahField(WholeNumberField):
    """A price in whole rupiah as people write it: ``20000``, ``20.000`` or ``Rp 20.000``."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        raw = re.sub(r"^rp\.?", "", (valuelist[0] or "").strip().lower()).strip().replace(" ", "")
        raw = re.sub(r",0{1,2}$", "", raw)  # "20.000,00"
        if not raw:
            self.data = None
            return
        if not RUPIAH.match(raw):
            self.data = None
            raise ValueError(self.invalid_value_message)
        self.data = int(raw.replace(".", ""))


class ShopForm(FlaskForm):
    """A resident's application or their shop's details; a BUMDes unit (with its hamlet)."""

    business_name = StringField(
        _l("Name of the business"),
        validators=[
            DataRequired(message=_l("Give the business a name.")),
            Length(
                min=sellers.NAME_MIN,
                max=sellers.NAME_MAX,
                message=_l("Between %(min)d and %(max)d characters."),
            ),
        ],
    )
    category = SelectField(
        _l("What it sells"),
        validators=[DataRequired(message=_l("Choose what the business sells."))],
        validate_choice=False,
    )
    phone = StringField(
        _l("WhatsApp number for buyers"),
        validators=[DataRequired(message=_l("Give a WhatsApp number.")), Length(max=20, message=AT_MOST)],
        description=_l("For example 0812 3456 7890."),
    )
    hamlet = SelectField(_l("Hamlet"), validators=[Optional()], validate_choice=False)
    pickup_address = StringField(
        _l("Where buyers pick up (optional)"), validators=[Optional(), Length(max=300, message=AT_MOST)]
    )
    description = TextAreaField(
        _l("About the business (optional)"),
        validators=[Optional(), Length(max=sellers.TEXT_MAX, message=AT_MOST)],
    )
    nib = StringField(
        _l("NIB (optional)"),
        validators=[Optional(), Length(max=20, message=AT_MOST)],
        description=_l("The business number from OSS: 13 digits."),
    )
    npwp = StringField(
        _l("NPWP (optional)"),
        validators=[Optional(), Length(max=25, message=AT_MOST)],
        description=_l("15 or 16 digits."),
    )


class DecisionForm(FlaskForm):
    """A staff move on a seller; refusing and suspending need the reason."""

    note = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500, message=AT_MOST)])


class ProductForm(FlaskForm):
    name = StringField(
        _l("Name of the product"),
        validators=[
            DataRequired(message=_l("Give the product a name.")),
            Length(
                min=catalogue.NAME_MIN,
                max=catalogue.NAME_MAX,
                message=_l("Between %(min)d and %(max)d characters."),
            ),
        ],
    )
    category = SelectField(
        _l("Category"),
        validators=[DataRequired(message=_l("Choose the product's category."))],
        validate_choice=False,
    )
    price = RupiahField(
        _l("Price in rupiah"),
        validators=[
            DataRequired(message=_l("Give the price in whole rupiah.")),
            NumberRange(min=1, max=catalogue.MAX_PRICE, message=_l("Between %(min)s and %(max)s.")),
        ],
        invalid_value_message=_l("Give the price in whole rupiah, for example 20.000."),
    )
    unit = StringField(
        _l("Sold by"),
        validators=[
            DataRequired(message=_l("Give the unit it is sold by (kg, pcs, pack…).")),
            Length(max=catalogue.UNIT_MAX, message=AT_MOST),
        ],
        description=_l("kg, pcs, bungkus, botol…"),
    )
    stock = WholeNumberField(
        _l("Stock (optional)"),
        validators=[
            Optional(),
            NumberRange(min=0, max=catalogue.MAX_STOCK, message=_l("Between %(min)s and %(max)s.")),
        ],
        invalid_value_message=WHOLE_NUMBER,
        description=_l("Leave it empty when you make to order."),
    )
    description = TextAreaField(
        _l("Description (optional)"),
        validators=[Optional(), Length(max=catalogue.TEXT_MAX, message=AT_MOST)],
    )
    active = BooleanField(_l("On the market (untick to hide it)"), default=True)


class PhotoForm(FlaskForm):
    photo = FileField(
        _l("Photo (JPEG or PNG)"),
        validators=[FileRequired(message=_l("Choose a photo to upload."))],
        description=_l("Made small before it is kept; the phone's location is removed."),
    )
