"""The sellers' pages (``/desa/<slug>/smart_economy/…``): the staff's list of sellers and a
seller's page (approve, refuse, suspend, reinstate; a hamlet head sees their hamlet's shops, a
facilitator reads), registering a BUMDes unit, the resident's own shop (the application, then its
state, details and products), and the product form with its photos for the shop's keeper or the
staff. Every page goes through the market's services (the same rules as the API) and works
without JavaScript."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from desacerdas.extensions import db
from desacerdas.kit import terms
from desacerdas.kit.access import may, require
from desacerdas.models import Tenant, User
from desacerdas.services import NotFound, ServiceError
from desacerdas.services import documents as docs

from .catalogue import service as catalogue
from .catalogue.models import Product
from .forms import DecisionForm, PhotoForm, ProductForm, ShopForm
from .permissions import SELL, SELLERS_MANAGE, SELLERS_VIEW
from .sellers import service
from .sellers.labels import KIND_LABELS
from .sellers.models import Category, Seller, SellerKind, SellerStatus
from .sellers.workflow import FLOW
from .views_market import category_label, hamlet_name, hamlets, template_helpers, thumbs

T = "smart_economy/sellers/"
NO_HAMLET = uuid.UUID(int=0)  # a hamlet value that is no hamlet: the service refuses it in words


def blueprint() -> Blueprint:
    bp = Blueprint("sellers", __name__, template_folder="sellers/templates")
    bp.add_url_rule("/sellers", "sellers", sellers_list)
    bp.add_url_rule("/sellers/bumdes/new", view_func=new_bumdes_unit, methods=["GET", "POST"])
    bp.add_url_rule("/sellers/<uuid:seller_id>", view_func=seller)
    bp.add_url_rule("/sellers/<uuid:seller_id>/edit", view_func=edit_seller, methods=["GET", "POST"])
    bp.add_url_rule(
        "/sellers/<uuid:seller_id>/<any(approve, refuse, suspend, reinstate):action>",
        view_func=seller_action,
        methods=["POST"],
    )
    bp.add_url_rule("/sellers/<uuid:seller_id>/products/new", view_func=new_product, methods=["GET", "POST"])
    bp.add_url_rule("/shop", view_func=my_shop, methods=["GET", "POST"])
    bp.add_url_rule(
        "/shop/products/new", view_func=new_product, defaults={"seller_id": None}, methods=["GET", "POST"]
    )
    bp.add_url_rule("/products/<uuid:product_id>/edit", view_func=edit_product, methods=["GET", "POST"])
    bp.add_url_rule("/products/<uuid:product_id>/photos", view_func=add_photo, methods=["POST"])
    bp.context_processor(template_helpers)
    return bp


# -- helpers ---------------------------------------------------------------------------------------


def _seller_of(tenant: Tenant, user: User, seller_id: uuid.UUID) -> Seller:
    try:
        return service.get(db.session, tenant, user, seller_id)
    except NotFound:
        abort(404)


def _products(shop: Seller) -> list[Product]:
    stmt = catalogue.of_seller(db.session, shop).order_by(Product.name_search, Product.id)
    return list(db.session.scalars(stmt))


def _category_choices() -> list[SelectChoice]:
    return [SelectChoice("", "—")] + [SelectChoice(c.value, category_label(c)) for c in Category]


def _fill_shop_choices(form: ShopForm, tenant: Tenant, with_hamlet: bool) -> None:
    form.category.choices = _category_choices()
    if with_hamlet:
        form.hamlet.label.text = terms.terms_for(tenant).hamlet  # the village's word: Banjar Dinas, Dusun
        form.hamlet.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(k), v) for k, v in hamlets().items()
        ]
    else:
        del form.hamlet  # a resident's hamlet is the registry's


def _shop_data(shop: Seller) -> dict[str, Any]:
    return {
        "business_name": shop.business_name,
        "category": shop.category.value,
        "phone": shop.phone,
        "hamlet": str(shop.hamlet_id) if shop.hamlet_id else "",
        "pickup_address": shop.pickup_address,
        "description": shop.description,
        "nib": shop.nib,
        "npwp": shop.npwp,
    }


def _hamlet_choice(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return NO_HAMLET


def _shop_values(form: ShopForm, hamlet_id: uuid.UUID | None) -> dict[str, Any]:
    return {
        "business_name": form.business_name.data,
        "category": form.category.data,
        "phone": form.phone.data,
        "hamlet_id": hamlet_id,
        "pickup_address": form.pickup_address.data,
        "description": form.description.data,
        "nib": form.nib.data,
        "npwp": form.npwp.data,
    }


# -- the staff's pages -----------------------------------------------------------------------------


@login_required
def sellers_list() -> ResponseReturnValue:
    tenant, scope, user = require(SELLERS_VIEW)
    args = request.args.to_dict()
    pagination = service.SELLERS.apply(service.listing(db.session, tenant, user), args)
    return render_template(
        T + "sellers.html",
        pagination=pagination,
        page_url=pagination.page_url("smart_economy.sellers.sellers"),
        args=args,
        statuses=[("all", _("All"))] + [(s.value, FLOW.state_label(s)) for s in SellerStatus],
        kinds=[(k.value, str(KIND_LABELS[k])) for k in SellerKind],
        hamlets=hamlets(),
        hamlet_only=scope.hamlet_id is not None,
        terms=terms.terms_for(tenant),
        may_manage=may(user, tenant, SELLERS_MANAGE),
    )


def _render_seller(
    tenant: Tenant,
    user: User,
    item: Seller,
    form: DecisionForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    products = _products(item)
    return render_template(
        T + "seller.html",
        item=item,
        products=products,
        thumbs=thumbs(products),
        steps=FLOW.timeline(db.session, item),
        actions=[a.name for a in FLOW.allowed_actions(db.session, tenant, user, item)],
        notes={a.name for a in FLOW.actions if a.needs_note},
        form=form or DecisionForm(formdata=None),
        hamlet=hamlet_name(item.hamlet_id),
        terms=terms.terms_for(tenant),
        may_keep=service.may_keep(user, tenant, item),
        form_error=error,
    ), status


@login_required
def seller(seller_id: uuid.UUID) -> ResponseReturnValue:
    tenant, _scope, user = require(SELLERS_VIEW)
    return _render_seller(tenant, user, _seller_of(tenant, user, seller_id))


@login_required
def seller_action(seller_id: uuid.UUID, action: str) -> ResponseReturnValue:
    tenant, _scope, user = require(SELLERS_MANAGE)
    item = _seller_of(tenant, user, seller_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _render_seller(tenant, user, item, form, _("The form was not accepted; try again."), 400)
    try:
        service.move(db.session, tenant, user, item, action, form.note.data)
    except ServiceError as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        return _render_seller(
            tenant, user, _seller_of(tenant, user, seller_id), form, exc.message, exc.status
        )
    db.session.commit()
    flash(_("Done: %(state)s.", state=FLOW.state_label(item.status)), "success")
    return redirect(url_for(".seller", seller_id=item.id), 303)


def _seller_form(tenant: Tenant, user: User, item: Seller | None) -> ResponseReturnValue:
    """Register a BUMDes unit (``item`` None) or change a seller's details, by the staff."""
    form = ShopForm(data=_shop_data(item) if item is not None else None)
    _fill_shop_choices(form, tenant, with_hamlet=True)
    error, status = None, 200
    if form.validate_on_submit():
        values = _shop_values(form, _hamlet_choice(form.hamlet.data))
        try:
            if item is None:
                saved = service.register_bumdes_unit(db.session, tenant, user, **values)
            else:
                saved = service.update(db.session, tenant, user, item, **values)
        except ServiceError as exc:
            db.session.rollback()
            error, status = exc.message, exc.status
            if item is not None:
                item = _seller_of(tenant, user, item.id)
        else:
            db.session.commit()
            flash(_("%(name)s is saved.", name=saved.business_name), "success")
            return redirect(url_for(".seller", seller_id=saved.id), 303)
    elif form.is_submitted():
        status = 400
    return render_template(T + "seller_form.html", form=form, item=item, form_error=error), status


@login_required
def new_bumdes_unit() -> ResponseReturnValue:
    tenant, _scope, user = require(SELLERS_MANAGE)
    return _seller_form(tenant, user, None)


@login_required
def edit_seller(seller_id: uuid.UUID) -> ResponseReturnValue:
    tenant, _scope, user = require(SELLERS_MANAGE)
    return _seller_form(tenant, user, _seller_of(tenant, user, seller_id))


# -- the resident's shop ---------------------------------------------------------------------------


def _open(shop: Seller | None) -> Seller | None:
    """The shop the resident keeps (applied, approved or suspended); a refused one is not."""
    return shop if shop is not None and shop.status != SellerStatus.REFUSED else None


@login_required
def my_shop() -> ResponseReturnValue:
    tenant, _scope, user = require(SELL)
    shop = service.mine(db.session, user)
    kept = _open(shop)
    earlier = kept or shop  # a refused application: its details to start again from
    form = ShopForm(data=_shop_data(earlier) if earlier is not None else None)
    _fill_shop_choices(form, tenant, with_hamlet=False)
    error, status = None, 200
    if form.validate_on_submit():
        values = _shop_values(form, kept.hamlet_id if kept is not None else None)
        try:
            if kept is None:
                service.apply(db.session, tenant, user, **values)
            else:
                service.update(db.session, tenant, user, kept, **values)
        except ServiceError as exc:
            db.session.rollback()
            error, status = exc.message, exc.status
            shop = service.mine(db.session, user)
            kept = _open(shop)
        else:
            db.session.commit()
            if kept is None:
                flash(_("Your application is sent: the village office decides and tells you."), "success")
            else:
                flash(_("The shop's details are saved."), "success")
            return redirect(url_for(".my_shop"), 303)
    elif form.is_submitted():
        status = 400
    products = _products(kept) if kept is not None else []
    return render_template(
        T + "shop.html",
        shop=shop,
        kept=kept,
        form=form,
        products=products,
        thumbs=thumbs(products),
        hamlet=hamlet_name(kept.hamlet_id) if kept is not None else None,
        terms=terms.terms_for(tenant),
        form_error=error,
    ), status


# -- products --------------------------------------------------------------------------------------


def _keeper_of(tenant: Tenant, user: User, seller_id: uuid.UUID) -> Seller:
    """The shop, if the user may keep it: 404 when they do not see it, 403 when they only read."""
    shop = _seller_of(tenant, user, seller_id)
    if not service.may_keep(user, tenant, shop):
        abort(403)
    return shop


def _product_of(tenant: Tenant, user: User, product_id: uuid.UUID) -> tuple[Product, Seller]:
    try:
        item = catalogue.get(db.session, tenant, product_id)
    except NotFound:
        abort(404)
    return item, _keeper_of(tenant, user, item.seller_id)


def _product_data(item: Product) -> dict[str, Any]:
    return {
        "name": item.name,
        "category": item.category.value,
        "price": item.price,
        "unit": item.unit,
        "stock": item.stock,
        "description": item.description,
        "active": item.active,
    }


def _back(user: User, shop: Seller) -> str:
    if shop.owner_user_id is not None and shop.owner_user_id == user.id:
        return url_for(".my_shop")
    return url_for(".seller", seller_id=shop.id)


def _render_product(
    user: User,
    shop: Seller,
    item: Product | None,
    form: ProductForm,
    photo_form: PhotoForm,
    error: str | None,
    status: int,
) -> ResponseReturnValue:
    return render_template(
        T + "product_form.html",
        shop=shop,
        item=item,
        form=form,
        photo_form=photo_form,
        photos=catalogue.photos_of(db.session, [item.id])[item.id] if item is not None else [],
        photos_max=catalogue.PHOTOS_MAX,
        back=_back(user, shop),
        form_error=error,
    ), status


def _product_form(tenant: Tenant, user: User, shop: Seller, item: Product | None) -> ResponseReturnValue:
    initial = _product_data(item) if item is not None else {"category": shop.category.value, "active": True}
    form = ProductForm(data=initial)
    form.category.choices = _category_choices()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            saved = catalogue.save(
                db.session,
                tenant,
                user,
                shop,
                item,
                name=form.name.data,
                category=form.category.data,
                price=form.price.data,
                unit=form.unit.data,
                description=form.description.data,
                stock=form.stock.data,
                active=form.active.data,
            )
        except ServiceError as exc:
            db.session.rollback()
            if exc.status == 404:
                abort(404)
            error, status = exc.message, exc.status
            shop = _keeper_of(tenant, user, shop.id)
            if item is not None:
                item = catalogue.get(db.session, tenant, item.id)
        else:
            db.session.commit()
            if item is None:
                flash(
                    _("%(name)s is saved. Add a photo: buyers look at photos first.", name=saved.name),
                    "success",
                )
            else:
                flash(_("%(name)s is saved.", name=saved.name), "success")
            return redirect(url_for(".edit_product", product_id=saved.id), 303)
    elif form.is_submitted():
        status = 400
    return _render_product(user, shop, item, form, PhotoForm(formdata=None), error, status)


@login_required
def new_product(seller_id: uuid.UUID | None) -> ResponseReturnValue:
    if seller_id is None:  # the resident's own shop
        tenant, _scope, user = require(SELL)
        shop = _open(service.mine(db.session, user))
        if shop is None:
            flash(_("Apply to sell first: products belong to a shop."), "warning")
            return redirect(url_for(".my_shop"), 303)
    else:
        tenant, _scope, user = require(SELLERS_VIEW, SELL)
        shop = _keeper_of(tenant, user, seller_id)
    return _product_form(tenant, user, shop, None)


@login_required
def edit_product(product_id: uuid.UUID) -> ResponseReturnValue:
    tenant, _scope, user = require(SELLERS_VIEW, SELL)
    item, shop = _product_of(tenant, user, product_id)
    return _product_form(tenant, user, shop, item)


@login_required
def add_photo(product_id: uuid.UUID) -> ResponseReturnValue:
    tenant, _scope, user = require(SELLERS_VIEW, SELL)
    item, shop = _product_of(tenant, user, product_id)
    photo_form = PhotoForm()
    form = ProductForm(formdata=None, data=_product_data(item))
    form.category.choices = _category_choices()
    if not photo_form.validate_on_submit():
        return _render_product(user, shop, item, form, photo_form, None, 400)
    upload = docs.NewFile(photo_form.photo.data.stream, photo_form.photo.data.filename)
    try:
        catalogue.add_photo(db.session, tenant, user, item, upload)  # commits with the documents
    except ServiceError as exc:
        db.session.rollback()
        item, shop = _product_of(tenant, user, product_id)
        return _render_product(user, shop, item, form, photo_form, exc.message, exc.status)
    flash(_("The photo is added."), "success")
    return redirect(url_for(".edit_product", product_id=item.id), 303)
