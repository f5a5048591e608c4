"""Settings, read from the environment.

| variable | meaning |
| --- | --- |
| ``DATABASE_URL`` | SQLAlchemy URL; default ``sqlite:///<instance>/pointsmart.db`` |
| ``DATABASE_REPLICA_URL`` | a PostgreSQL hot standby of ``DATABASE_URL``: the read-only pages and
  API answers read there (``pointsmart.replica``) |
| ``REPLICA_MAX_LAG_SECONDS`` | a standby further behind than this is skipped (default 5) |
| ``REPLICA_CHECK_SECONDS`` | how long a process trusts what it last learnt of the standby's
  state (default 1); a standby found down is asked again after ``REPLICA_RETRY_SECONDS`` (5);
  a request waits ``REPLICA_CHECK_WAIT_SECONDS`` (2) at most for the standby's answer |
| ``PGBOUNCER`` | ``1``: the database URLs lead to PgBouncer in transaction pooling mode, so
  no connection keeps server-side state (psycopg prepares no statements) |
| ``SECRET_KEY`` | signs sessions and card tokens; required outside development and testing |
| ``PUBLIC_BASE_URL`` | the address printed into QR cards, e.g. ``https://jifen.example.cn``; in
  development without it, the address the page was asked on (``http://127.0.0.1:<port>``
  outside a request, the port from ``FLASK_RUN_PORT`` or ``PORT``, default 5000) |
| ``POINTSMART_ENV`` | ``production`` (default), ``development`` or ``testing`` |
| ``API_TOKEN_HOURS`` | lifetime of API tokens in hours (default 12) |
| ``REDIS_URL`` | rate-limit counters shared by all workers and machines; required in production |
| ``RATELIMIT_STORAGE_URI`` | another shared store for them instead (Flask-Limiter's syntax) |
| ``RATELIMIT_KEY_PREFIX`` | a prefix for this deployment's counters in a store others share too |
| ``SINGLE_PROCESS`` | ``1``: production runs as one process, whose memory may hold the counters |
| ``LOGIN_RATE_LIMIT`` | refused sign-ins allowed per address (default ``10/minute;100/hour``) |
| ``LOGIN_ATTEMPT_LIMIT`` | sign-ins of any outcome per address (default ``60/minute;600/hour``) |
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


def engine_options(
    database_url: str, *, pgbouncer: bool = False, pre_ping: bool = False
) -> dict[str, Any]:
    """A server's connections may have been cut while idle: the app's own engine tests one
    before use when it has been idle a while (``database.ping_when_idle``, set up by
    ``create_app``); ``pre_ping`` tests each at every checkout instead (the standby's engine,
    whose fail-over wants to know at once). A SQLite file needs no test (its settings are made
    as each connection opens, see ``database``).

    Behind PgBouncer in transaction pooling mode each transaction may run on another server
    connection, so nothing may outlive a transaction on one: psycopg's prepared statements
    (made after a statement ran five times on a connection) would be missing on the next
    server connection, or clash with another client's there. ``prepare_threshold=None`` turns
    them off (psycopg's documented setting for PgBouncer). The app sets nothing else per
    connection on PostgreSQL: no SET, no session-level advisory lock, no LISTEN, no temporary
    table; the SMS worker's advisory lock is per transaction.
    """
    if database_url.startswith("sqlite"):
        return {}
    options: dict[str, Any] = {"pool_pre_ping": True} if pre_ping else {}
    if pgbouncer:
        options["connect_args"] = {"prepare_threshold": None}
    return options


def _flag(overrides: dict[str, Any], name: str) -> bool:
    value = overrides.get(name)
    if value is None:
        return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")
    return bool(value)


def replica_engine_options(replica_url: str | None, primary_url: str, *, pgbouncer: bool):
    """The URL and engine options of the standby's engine (``pointsmart.replica`` makes it),
    or None. A standby that cannot be reached is given up on after two seconds, so a request
    waits no longer than that to learn it is gone."""
    if not replica_url:
        return None
    replica_url = _normalise_database_url(replica_url)
    if not (replica_url.startswith("postgresql") and primary_url.startswith("postgresql")):
        raise ConfigError(
            "DATABASE_REPLICA_URL names a PostgreSQL hot standby of a PostgreSQL DATABASE_URL."
        )
    options = engine_options(replica_url, pgbouncer=pgbouncer, pre_ping=True)
    connect_args = {**options.pop("connect_args", {}), "connect_timeout": 2}
    return {"url": replica_url, "connect_args": connect_args, **options}


def _limiter_storage(overrides: dict[str, Any], *, production: bool) -> str:
    """Where the rate-limit counters live: ``RATELIMIT_STORAGE_URI`` or ``REDIS_URL``.

    A worker's memory only counts what that worker saw: with four gunicorn workers a limit of
    10 sign-ins a minute let about 35 through in one burst. So production refuses to start
    without a shared store, unless ``SINGLE_PROCESS=1`` says that one process is intended.
    """
    storage = (
        overrides.get("RATELIMIT_STORAGE_URI")
        or os.environ.get("RATELIMIT_STORAGE_URI")
        or os.environ.get("REDIS_URL")
    )
    single = overrides.get("SINGLE_PROCESS")
    if single is None:
        single = os.environ.get("SINGLE_PROCESS", "").strip().lower() in ("1", "true", "yes")
    if production and not single and (not storage or storage.startswith("memory://")):
        raise ConfigError(
            "REDIS_URL is not set: the sign-in limits must be counted in a store every worker "
            "shares (for example REDIS_URL=redis://127.0.0.1:6379/0, or another store in "
            "RATELIMIT_STORAGE_URI). If the app really runs as one process, set "
            "SINGLE_PROCESS=1 to count in its memory."
        )
    return storage or "memory://"


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
    elif secret_key == DEVELOPMENT_SECRET and not (development or testing):
        # It is in the public source: sessions and card tokens signed with it can be forged.
        raise ConfigError(
            "SECRET_KEY is the development secret, which anyone can read in the source. Set "
            "it to a long random string (python -c 'import secrets; print(secrets.token_hex(32))')."
        )

    public_base_url = overrides.get("PUBLIC_BASE_URL") or os.environ.get("PUBLIC_BASE_URL")
    follows_request = False
    if not public_base_url:
        if not (development or testing):
            raise ConfigError(
                "PUBLIC_BASE_URL is not set: it is printed into every card's QR code "
                "(for example https://jifen.example.cn)."
            )
        # `make run PORT=8000` (or `flask run --port 8000`): cards point where it serves.
        port = os.environ.get("FLASK_RUN_PORT") or os.environ.get("PORT") or "5000"
        public_base_url = f"http://127.0.0.1:{port}"
        follows_request = development

    limiter_storage = _limiter_storage(overrides, production=not (development or testing))
    database_url = _normalise_database_url(database_url)
    pgbouncer = _flag(overrides, "PGBOUNCER")
    replica_url = overrides.get("DATABASE_REPLICA_URL") or os.environ.get("DATABASE_REPLICA_URL")

    config: dict[str, Any] = {
        "ENV_NAME": env,
        "TESTING": testing,
        "DEBUG": False,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url, pgbouncer=pgbouncer),
        "REPLICA_ENGINE_OPTIONS": replica_engine_options(
            replica_url, database_url, pgbouncer=pgbouncer
        ),
        "PGBOUNCER": pgbouncer,
        # A pooled server connection idle this long is tested before use (database.ping_when_idle).
        "DATABASE_PING_AFTER_IDLE_SECONDS": float(
            os.environ.get("DATABASE_PING_AFTER_IDLE_SECONDS", "2")
        ),
        "REPLICA_MAX_LAG_SECONDS": float(os.environ.get("REPLICA_MAX_LAG_SECONDS", "5")),
        "REPLICA_CHECK_SECONDS": float(os.environ.get("REPLICA_CHECK_SECONDS", "1")),
        "REPLICA_RETRY_SECONDS": float(os.environ.get("REPLICA_RETRY_SECONDS", "5")),
        "REPLICA_CHECK_WAIT_SECONDS": float(os.environ.get("REPLICA_CHECK_WAIT_SECONDS", "2")),
        "PUBLIC_BASE_URL": public_base_url.rstrip("/"),
        "PUBLIC_BASE_URL_FOLLOWS_REQUEST": follows_request,
        "API_TOKEN_HOURS": int(os.environ.get("API_TOKEN_HOURS", "12")),
        "RATELIMIT_STORAGE_URI": limiter_storage,
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", ""),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Said explicitly: Flask-Limiter's one limiter object keeps the last app's setting as
        # the default of the next (an app built with the limits off would leave them off).
        "RATELIMIT_ENABLED": True,
        # A moving window: a fixed one lets a burst straddling the minute's boundary through
        # at twice the limit (a card-code guesser would time its tries to it).
        "RATELIMIT_STRATEGY": "moving-window",
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10/minute;100/hour"),
        "LOGIN_ATTEMPT_LIMIT": os.environ.get("LOGIN_ATTEMPT_LIMIT", "60/minute;600/hour"),
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
