"""Configuration, read entirely from ``DESA_*`` environment variables.

The defaults are the embedded setup (SQLite and files under the instance folder) so that
a new user needs no server. Production (``DESA_ENV=production``) refuses unsafe defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEV_SECRET_KEY = "dev-insecure-change-me"  # noqa: S105 - the refused default, not a secret


class ConfigError(RuntimeError):
    """The environment describes a configuration the platform refuses to run with."""


@dataclass(frozen=True)
class Setting:
    env: str
    default: str | None
    help: str


# The single source of truth for the configuration table in README.md.
SETTINGS: tuple[Setting, ...] = (
    Setting("DESA_ENV", "development", "`development`, `production` or `testing`."),
    Setting(
        "DESA_SECRET_KEY", DEV_SECRET_KEY, "Signs sessions, CSRF and reset tokens. Required in production."
    ),
    Setting("DESA_DATABASE_URL", "sqlite:///<instance>/desa.db", "SQLAlchemy URL the app connects with."),
    Setting(
        "DESA_AID_LEDGER_KEY",
        None,
        "Keys the NIK fingerprints of the social-aid ledger (defaults to `DESA_SECRET_KEY`); "
        "set once, never rotate.",
    ),
    Setting(
        "DESA_MIGRATION_DATABASE_URL",
        None,
        "URL used by `desa db upgrade` (the tables' owner). Defaults to `DESA_DATABASE_URL`.",
    ),
    Setting(
        "DESA_DATABASE_REPLICA_URL",
        None,
        "A read replica (PostgreSQL streaming standby, application role) for cross-village reports: "
        "regency indicators and the rollout board. Unset: they read the primary.",
    ),
    Setting(
        "DESA_BACKUP_DATABASE_URL",
        None,
        "Role that runs pg_dump for `desa backup` (needs BYPASSRLS: village tables force RLS, so even "
        "the owner sees no rows). Defaults to `DESA_MIGRATION_DATABASE_URL`.",
    ),
    Setting("DESA_DB_APP_ROLE", None, "PostgreSQL role granted DML on every table after `desa db upgrade`."),
    Setting("DESA_BASE_DOMAIN", None, "If set, `<slug>.<base domain>` also resolves a village."),
    Setting(
        "DESA_PUBLIC_URL",
        None,
        "The platform's public address (`https://…`), printed on paper: the QR code of a letter. "
        "Unset: the address the issuing clerk used.",
    ),
    Setting("DESA_REDIS_URL", None, "Redis for rate limits. Required in production (`memory://` otherwise)."),
    Setting(
        "DESA_STORAGE_URL", "file://<instance>/documents", "Document storage: `file://PATH` or `s3://…`."
    ),
    Setting("DESA_DOCUMENT_MAX_MB", "20", "Largest document a user may upload, in MB."),
    Setting(
        "DESA_DOCUMENT_QUOTA_MB",
        "1024",
        "Document storage per village, in MB (a village's profile may raise it).",
    ),
    Setting(
        "DESA_DOCUMENT_RETENTION_DAYS", "30", "Days a deleted document is kept before `desa documents purge`."
    ),
    Setting(
        "DESA_STORAGE_PRESIGN", "0", "With S3 storage, `1` sends downloads to short-lived presigned URLs."
    ),
    Setting("DESA_INSTANCE_PATH", "./instance", "Folder for the embedded database and files."),
    Setting("DESA_LOGIN_LIMIT", "10 per minute", "Rate limit for sign-in attempts per client address."),
    Setting(
        "DESA_LOCKOUT_THRESHOLD",
        "5",
        "Failed sign-ins for one account from one client (address or known device) before that client "
        "is locked out of that account.",
    ),
    Setting("DESA_LOCKOUT_MINUTES", "15", "How long a lockout lasts."),
    Setting(
        "DESA_LOGIN_DELAY_AFTER",
        "3",
        "Failed sign-ins for one account from one client after which each further try must wait "
        "(2, 4, 8… seconds) before the lockout.",
    ),
    Setting(
        "DESA_LOGIN_ACCOUNT_LIMIT",
        "50",
        "Failed sign-ins for one account from all unknown clients within the lockout time after which "
        "only the account's known devices may try.",
    ),
    Setting("DESA_DEVICE_COOKIE_DAYS", "180", "Days a browser stays a known device of an account."),
    Setting("DESA_SESSION_IDLE_MINUTES", "240", "A session unused this long ends (sign in again)."),
    Setting("DESA_SESSION_ABSOLUTE_HOURS", "72", "A session ends this long after sign-in, used or not."),
    Setting("DESA_HSTS_SECONDS", "31536000", "Strict-Transport-Security max-age sent in production."),
    Setting(
        "DESA_PROXY_HOPS",
        "0",
        "Reverse proxies in front of the app (nginx: 1) whose X-Forwarded-For/-Proto the app trusts.",
    ),
    Setting("DESA_IMAGE_MAX_PIXELS", "40000000", "Largest image (width × height) the platform decodes."),
    Setting("DESA_IMPORT_MAX_ROWS", "100000", "Most rows one registry import file may have."),
    Setting(
        "DESA_IMPORT_MAX_UNCOMPRESSED_MB",
        "64",
        "Largest uncompressed size of an XLSX import (a small ZIP can hold a huge sheet).",
    ),
    Setting("DESA_JSON_MAX_DEPTH", "32", "Deepest nesting of a JSON request body."),
    Setting("DESA_RESET_TOKEN_MAX_AGE", "3600", "Seconds a password-reset link stays valid."),
    Setting(
        "DESA_INVITATION_MAX_AGE",
        "604800",
        "Seconds an invitation link (a new account sets its own password) stays valid: 7 days.",
    ),
    Setting("DESA_DEFAULT_LOCALE", "id", "UI language when the user chose none (`id` or `en`)."),
    Setting("DESA_PAGE_SIZE", "25", "Default page size of lists (API max is 100)."),
    Setting("DESA_GUNICORN_WORKERS", "2", "gunicorn worker processes (`deploy/gunicorn.conf.py`)."),
    Setting("DESA_GUNICORN_TIMEOUT", "30", "gunicorn worker timeout in seconds."),
    Setting("DESA_BIND", "127.0.0.1:8000", "Address gunicorn listens on."),
    Setting("DESA_TRACE_HOOKS", None, "If set, every plugin hook call is logged (debugging)."),
    Setting("DESA_GUNICORN_ACCESS_LOG", "-", "Access log file (`-` is standard output)."),
    Setting("DESA_FORWARDED_ALLOW_IPS", "127.0.0.1", "Proxies whose X-Forwarded-* headers gunicorn trusts."),
    Setting(
        "DESA_BROKER_URL",
        "filesystem://<instance>/broker",
        "Celery broker for background jobs: `redis://…` or `amqp://…` in production (required there); "
        "the default is a folder under the instance, so a laptop needs no server.",
    ),
    Setting(
        "DESA_JOB_STALE_MINUTES", "10", "A running job whose worker was silent this long is marked failed."
    ),
    Setting(
        "DESA_SMTP_URL",
        None,
        "E-mail channel: `smtp://user:password@host:587?starttls=1` or `smtps://…:465`. Unset: no e-mail.",
    ),
    Setting("DESA_MAIL_FROM", "Desa Cerdas <noreply@localhost>", "Sender address of e-mails."),
    Setting("DESA_WHATSAPP_TOKEN", None, "WhatsApp Business Cloud API access token. Unset: no WhatsApp."),
    Setting("DESA_WHATSAPP_PHONE_NUMBER_ID", None, "The WhatsApp Business phone number id messages go from."),
    Setting(
        "DESA_WHATSAPP_API_URL", "https://graph.facebook.com/v21.0", "Base address of the WhatsApp Cloud API."
    ),
    Setting("DESA_WHATSAPP_APP_SECRET", None, "Meta app secret that signs delivery-status webhooks."),
    Setting("DESA_WHATSAPP_VERIFY_TOKEN", None, "Token Meta echoes when the webhook is registered."),
    Setting("DESA_SMS_URL", None, "HTTP SMS gateway address (send endpoint). Unset: no SMS."),
    Setting("DESA_SMS_USERKEY", None, "SMS gateway user key."),
    Setting("DESA_SMS_PASSKEY", None, "SMS gateway pass key."),
    Setting(
        "DESA_NOTIFY_DAILY_CAP",
        "300",
        "WhatsApp, SMS and e-mail messages per village per day (inbox is free).",
    ),
    Setting("DESA_NOTIFY_MAX_ATTEMPTS", "5", "Delivery attempts before a message is marked failed."),
    Setting(
        "DESA_NOTIFY_CODE_LIMIT",
        "5 per hour;10 per day",
        "Verification codes one person may ask for (rate limit, per user).",
    ),
    Setting("DESA_NOTIFY_HTTP_TIMEOUT", "10", "Seconds a WhatsApp or SMS provider request may take."),
    Setting("DESA_NOTIFY_SMTP_TIMEOUT", "20", "Seconds an SMTP conversation may take."),
    Setting("DESA_NOTIFY_COST_WHATSAPP", "350", "Cost of one WhatsApp template message, in rupiah."),
    Setting("DESA_NOTIFY_COST_SMS", "250", "Cost of one SMS, in rupiah."),
    Setting("DESA_NOTIFY_COST_EMAIL", "0", "Cost of one e-mail, in rupiah."),
)


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from the environment (plus test overrides)."""
    env = _env("DESA_ENV", "development")
    # An INSTANCE_PATH override moves everything derived from it (database, documents, broker).
    instance = Path(
        (overrides or {}).get("INSTANCE_PATH") or _env("DESA_INSTANCE_PATH", "instance")
    ).resolve()
    redis_url = _env("DESA_REDIS_URL")
    database_url = _env("DESA_DATABASE_URL", f"sqlite:///{instance / 'desa.db'}")
    cfg: dict[str, Any] = {
        "DESA_ENV": env,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": _env("DESA_SECRET_KEY", DEV_SECRET_KEY),
        "AID_LEDGER_KEY": _env("DESA_AID_LEDGER_KEY"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MIGRATION_DATABASE_URL": _env("DESA_MIGRATION_DATABASE_URL", database_url),
        "DATABASE_REPLICA_URL": _env("DESA_DATABASE_REPLICA_URL"),
        "BACKUP_DATABASE_URL": _env("DESA_BACKUP_DATABASE_URL"),
        "DB_APP_ROLE": _env("DESA_DB_APP_ROLE"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BASE_DOMAIN": _env("DESA_BASE_DOMAIN"),
        "PUBLIC_URL": _env("DESA_PUBLIC_URL"),
        "REDIS_URL": redis_url,
        "STORAGE_URL": _env("DESA_STORAGE_URL", f"file://{instance / 'documents'}"),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_LIMIT": _env("DESA_LOGIN_LIMIT", "10 per minute"),
        "LOCKOUT_THRESHOLD": int(_env("DESA_LOCKOUT_THRESHOLD", "5")),
        "LOCKOUT_MINUTES": int(_env("DESA_LOCKOUT_MINUTES", "15")),
        "LOGIN_DELAY_AFTER": int(_env("DESA_LOGIN_DELAY_AFTER", "3")),
        "LOGIN_ACCOUNT_LIMIT": int(_env("DESA_LOGIN_ACCOUNT_LIMIT", "50")),
        "DEVICE_COOKIE_DAYS": int(_env("DESA_DEVICE_COOKIE_DAYS", "180")),
        "SESSION_IDLE_MINUTES": int(_env("DESA_SESSION_IDLE_MINUTES", "240")),
        "SESSION_ABSOLUTE_HOURS": int(_env("DESA_SESSION_ABSOLUTE_HOURS", "72")),
        "HSTS_SECONDS": int(_env("DESA_HSTS_SECONDS", "31536000")),
        "PROXY_HOPS": int(_env("DESA_PROXY_HOPS", "0")),
        "IMAGE_MAX_PIXELS": int(_env("DESA_IMAGE_MAX_PIXELS", "40000000")),
        "IMPORT_MAX_ROWS": int(_env("DESA_IMPORT_MAX_ROWS", "100000")),
        "IMPORT_MAX_UNCOMPRESSED_BYTES": int(
            float(_env("DESA_IMPORT_MAX_UNCOMPRESSED_MB", "64")) * 1024 * 1024
        ),
        "JSON_MAX_DEPTH": int(_env("DESA_JSON_MAX_DEPTH", "32")),
        "RESET_TOKEN_MAX_AGE": int(_env("DESA_RESET_TOKEN_MAX_AGE", "3600")),
        "INVITATION_MAX_AGE": int(_env("DESA_INVITATION_MAX_AGE", "604800")),
        "BABEL_DEFAULT_LOCALE": _env("DESA_DEFAULT_LOCALE", "id"),
        "LANGUAGES": ("id", "en"),
        "PAGE_SIZE": int(_env("DESA_PAGE_SIZE", "25")),
        "DOCUMENT_MAX_BYTES": int(float(_env("DESA_DOCUMENT_MAX_MB", "20")) * 1024 * 1024),
        "DOCUMENT_QUOTA_BYTES": int(float(_env("DESA_DOCUMENT_QUOTA_MB", "1024")) * 1024 * 1024),
        "DOCUMENT_RETENTION_DAYS": int(_env("DESA_DOCUMENT_RETENTION_DAYS", "30")),
        "STORAGE_PRESIGN": _env("DESA_STORAGE_PRESIGN", "0") in ("1", "true", "yes"),
        "BROKER_URL": _env("DESA_BROKER_URL", f"filesystem://{instance / 'broker'}"),
        "JOBS_EAGER": False,  # tests set True: a submitted job runs in the process, after commit
        "JOB_STALE_MINUTES": int(_env("DESA_JOB_STALE_MINUTES", "10")),
        "SMTP_URL": _env("DESA_SMTP_URL"),
        "MAIL_FROM": _env("DESA_MAIL_FROM", "Desa Cerdas <noreply@localhost>"),
        "WHATSAPP_TOKEN": _env("DESA_WHATSAPP_TOKEN"),
        "WHATSAPP_PHONE_NUMBER_ID": _env("DESA_WHATSAPP_PHONE_NUMBER_ID"),
        "WHATSAPP_API_URL": _env("DESA_WHATSAPP_API_URL", "https://graph.facebook.com/v21.0"),
        "WHATSAPP_APP_SECRET": _env("DESA_WHATSAPP_APP_SECRET"),
        "WHATSAPP_VERIFY_TOKEN": _env("DESA_WHATSAPP_VERIFY_TOKEN"),
        "SMS_URL": _env("DESA_SMS_URL"),
        "SMS_USERKEY": _env("DESA_SMS_USERKEY"),
        "SMS_PASSKEY": _env("DESA_SMS_PASSKEY"),
        "NOTIFY_DAILY_CAP": int(_env("DESA_NOTIFY_DAILY_CAP", "300")),
        "NOTIFY_MAX_ATTEMPTS": int(_env("DESA_NOTIFY_MAX_ATTEMPTS", "5")),
        "NOTIFY_CODE_LIMIT": _env("DESA_NOTIFY_CODE_LIMIT", "5 per hour;10 per day"),
        "NOTIFY_HTTP_TIMEOUT": float(_env("DESA_NOTIFY_HTTP_TIMEOUT", "10")),
        "NOTIFY_SMTP_TIMEOUT": float(_env("DESA_NOTIFY_SMTP_TIMEOUT", "20")),
        "NOTIFY_COST": {
            "whatsapp": int(_env("DESA_NOTIFY_COST_WHATSAPP", "350")),
            "sms": int(_env("DESA_NOTIFY_COST_SMS", "250")),
            "email": int(_env("DESA_NOTIFY_COST_EMAIL", "0")),
            "inbox": 0,
        },
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # flask-smorest / OpenAPI
        "API_TITLE": "Desa Cerdas API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/assets/",
        "API_SPEC_OPTIONS": {
            "components": {
                "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            },
            "security": [{"token": []}],
        },
    }
    if env == "production":
        cfg.update(
            SESSION_COOKIE_SECURE=True,
            REMEMBER_COOKIE_SECURE=True,
            PREFERRED_URL_SCHEME="https",
        )
    if env == "testing":
        cfg["TESTING"] = True
    # Requests may carry a document plus the form around it; the document limit is checked on its own.
    cfg["MAX_CONTENT_LENGTH"] = cfg["DOCUMENT_MAX_BYTES"] + 1024 * 1024
    if overrides:
        cfg.update(overrides)
        if "SQLALCHEMY_DATABASE_URI" in overrides and "MIGRATION_DATABASE_URL" not in overrides:
            cfg["MIGRATION_DATABASE_URL"] = _env(
                "DESA_MIGRATION_DATABASE_URL", overrides["SQLALCHEMY_DATABASE_URI"]
            )
    return cfg


def check_production(cfg: dict[str, Any]) -> None:
    """Refuse to start production with defaults that are only safe on a laptop."""
    if cfg.get("DESA_ENV") != "production":
        return
    problems = []
    if cfg["SECRET_KEY"] == DEV_SECRET_KEY or len(cfg["SECRET_KEY"]) < 32:
        problems.append("DESA_SECRET_KEY must be set to a random value of at least 32 characters")
    if not cfg.get("REDIS_URL"):
        problems.append("DESA_REDIS_URL is required: in-memory rate limits are per worker")
    if str(cfg.get("BROKER_URL", "")).startswith("filesystem://"):
        problems.append("DESA_BROKER_URL must name Redis or RabbitMQ: the folder broker is for one machine")
    if problems:
        raise ConfigError("Refusing to start in production: " + "; ".join(problems))
