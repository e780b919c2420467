"""``/api/v1/me``: the token's own user, memberships and personal API tokens."""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select

from ..extensions import db
from ..models import ApiToken, User
from ..services import auth as auth_service
from .schemas import NewTokenSchema, TokenCreateSchema, TokenSchema, UserSchema
from .security import api_blueprint, api_user

blp = api_blueprint("Me", __name__, "/api/v1/me", "The caller: profile, roles and personal API tokens.")


@blp.route("")
class Me(MethodView):
    @blp.response(200, UserSchema)
    def get(self) -> User:
        """Who the token belongs to, with every role they hold."""
        return api_user()


@blp.route("/tokens")
class Tokens(MethodView):
    @blp.response(200, TokenSchema(many=True))
    def get(self) -> list[ApiToken]:
        """The caller's tokens, newest first (revoked ones included, with ``revoked_at``)."""
        user = api_user()
        stmt = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        return list(db.session.scalars(stmt))

    @blp.arguments(TokenCreateSchema)
    @blp.response(201, NewTokenSchema)
    def post(self, data: dict) -> dict:
        """Create a token. The ``token`` field is shown in this response only; store it now."""
        token, plain = auth_service.create_api_token(api_user(), data["name"], data.get("days"))
        shown = {name: getattr(token, name) for name in TokenSchema().fields}
        return {**shown, "token": plain}


@blp.route("/tokens/<int:token_id>")
class TokenItem(MethodView):
    @blp.response(204)
    def delete(self, token_id: int) -> None:
        """Revoke one of the caller's tokens (404 for anyone else's)."""
        auth_service.revoke_api_token(api_user(), token_id)
