"""Settings, read from the environment.

| variable | meaning |
| --- | --- |
| ``DATABASE_URL`` | SQLAlchemy URL; default ``sqlite:///<instance>/pointsmart.db`` |
| ``SECRET_KEY`` | signs sessions and card tokens; required outside development and testing |
| ``PUBLIC_BASE_URL`` | the address printed into QR cards, e.g. ``https://jifen.example.cn`` |
| ``POINTSMART_ENV`` | ``production`` (default), ``development`` or ``testing`` |
| ``API_TOKEN_HOURS`` | lifetime of API tokens in hours (default 12) |
| ``REDIS_URL`` | rate-limit counters shared by all workers (memory per worker otherwise) |
| ``LOGIN_RATE_LIMIT`` | sign-in attempts allowed per address (default ``10/minute;100/hour``) |
| ``PROXY_COUNT`` | how many reverse proxies (nginx) stand in front, for the client address |
| ``TV_PANEL_SECONDS`` | seconds each panel of the service hall's TV page shows (default 15) |
| ``TV_REFRESH_SECONDS`` | the TV page reloads its figures this often (default 300) |
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEVELOPMENT_SECRET = "dev-only-secret-not-for-production"  # noqa: S105 - refused in production


class ConfigError(RuntimeError):
    """The app cannot start with the given settings."""


def _normalise_database_url(url: str) -> str:
    # Hosting providers hand out postgres:// URLs; SQLAlchemy wants the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options(database_url: str) -> dict[str, Any]:
    """A server's connections may have been cut while idle: each is pinged before use.
    A SQLite file needs no ping (its settings are made as each connection opens, see
    ``database``)."""
    if database_url.startswith("sqlite"):
        return {}
    return {"pool_pre_ping": True}


def load_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config from the environment, then apply ``overrides``."""
    overrides = dict(overrides or {})
    env = overrides.get("ENV_NAME") or os.environ.get("POINTSMART_ENV", "production")
    testing = bool(overrides.get("TESTING")) or env == "testing"
    development = env == "development"

    database_url = overrides.get("SQLALCHEMY_DATABASE_URI") or os.environ.get("DATABASE_URL")
    if not database_url:
        database_url = f"sqlite:///{Path(instance_path) / 'pointsmart.db'}"

    secret_key = overrides.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
    if not secret_key:
        if not (development or testing):
            raise ConfigError(
                "SECRET_KEY is not set. Set it to a long random string "
                "(python -c 'import secrets; print(secrets.token_hex(32))'), "
                "or set POINTSMART_ENV=development on a developer machine."
            )
        secret_key = DEVELOPMENT_SECRET

    public_base_url = overrides.get("PUBLIC_BASE_URL") or os.environ.get("PUBLIC_BASE_URL")
    if not public_base_url:
        if not (development or testing):
            raise ConfigError(
                "PUBLIC_BASE_URL is not set: it is printed into every card's QR code "
                "(for example https://jifen.example.cn)."
            )
        public_base_url = "http://127.0.0.1:5000"

    config: dict[str, Any] = {
        "ENV_NAME": env,
        "TESTING": testing,
        "DEBUG": False,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": _normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url),
        "PUBLIC_BASE_URL": public_base_url.rstrip("/"),
        "API_TOKEN_HOURS": int(os.environ.get("API_TOKEN_HOURS", "12")),
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10/minute;100/hour"),
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
        "TV_PANEL_SECONDS": int(os.environ.get("TV_PANEL_SECONDS", "15")),
        "TV_REFRESH_SECONDS": int(os.environ.get("TV_REFRESH_SECONDS", "300")),
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
        # CSRF is checked by the app's own before-request hook, for requests that may write
        # (pointsmart.api.start_request), not by Flask-WTF's hook on every request.
        "WTF_CSRF_CHECK_DEFAULT": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not (development or testing),
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": {"zh_Hans_CN": "简体中文", "en": "English"},
        # flask-smorest / OpenAPI
        "API_TITLE": "pointsmart",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_REDOC_PATH": "docs",
        "OPENAPI_REDOC_URL": "/static/vendor/redoc/redoc.standalone.js",
        "JSON_SORT_KEYS": False,
    }
    config.update(overrides)
    return config
