"""Settings come from the environment; production refuses to start without a secret."""

import pytest
import sqlalchemy as sa

from pointsmart import create_app
from pointsmart.config import ConfigError
from pointsmart.extensions import db


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("POINTSMART_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")

    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_takes_its_settings_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("POINTSMART_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-production-secret")
    monkeypatch.setenv("DATABASE_URL", "postgres://user:pw@db.example/pointsmart")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://jifen.example.cn/")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")

    app = create_app()

    assert app.config["SECRET_KEY"] == "a-long-production-secret"
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["PUBLIC_BASE_URL"] == "https://jifen.example.cn"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.debug is False


def test_development_runs_on_a_sqlite_file_under_instance(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("POINTSMART_ENV", "development")

    app = create_app()

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    assert uri.startswith("sqlite:///")
    assert uri.endswith("instance/pointsmart.db")
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(fresh_app):
    with fresh_app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite settings")
        with db.engine.connect() as connection:
            pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("busy_timeout") >= 5000


def test_foreign_keys_are_enforced(ctx):
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(
            sa.text("INSERT INTO grids (village_id, name, created_at) VALUES (999999, 'x', :t)"),
            {"t": "2026-01-01 00:00:00"},
        )


def test_production_refuses_to_start_without_the_address_for_cards(monkeypatch, tmp_path):
    monkeypatch.setenv("POINTSMART_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-production-secret")
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")

    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        create_app()


def _production(monkeypatch, tmp_path):
    monkeypatch.setenv("POINTSMART_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-production-secret")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://jifen.example.cn")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    for name in ("REDIS_URL", "RATELIMIT_STORAGE_URI", "SINGLE_PROCESS"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("storage", [None, "memory://"])
def test_production_refuses_to_count_sign_ins_in_each_workers_memory(
    monkeypatch, tmp_path, storage
):
    _production(monkeypatch, tmp_path)
    if storage:
        monkeypatch.setenv("RATELIMIT_STORAGE_URI", storage)

    with pytest.raises(ConfigError, match="REDIS_URL") as refusal:
        create_app()

    assert "SINGLE_PROCESS=1" in str(refusal.value)


def test_production_as_one_process_may_count_in_memory_when_it_says_so(monkeypatch, tmp_path):
    _production(monkeypatch, tmp_path)
    monkeypatch.setenv("SINGLE_PROCESS", "1")

    assert create_app().config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_the_shared_store_may_be_named_in_flask_limiters_own_setting(monkeypatch, tmp_path):
    _production(monkeypatch, tmp_path)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/3")

    assert create_app().config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


def test_development_counts_in_memory_without_being_told(monkeypatch):
    for name in ("REDIS_URL", "RATELIMIT_STORAGE_URI", "SINGLE_PROCESS"):
        monkeypatch.delenv(name, raising=False)

    app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://"})

    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_a_hot_standby_is_a_second_engine_of_a_postgresql_primary(monkeypatch):
    for name in ("DATABASE_REPLICA_URL", "PGBOUNCER"):
        monkeypatch.delenv(name, raising=False)
    primary = "postgresql+psycopg://pointsmart@db-primary/pointsmart"

    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": primary,
            "DATABASE_REPLICA_URL": "postgres://pointsmart@db-standby/pointsmart",
        }
    )
    plain = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": primary})

    replica = app.config["REPLICA_ENGINE_OPTIONS"]
    assert replica["url"] == "postgresql+psycopg://pointsmart@db-standby/pointsmart"
    assert replica["connect_args"] == {"connect_timeout": 2}  # a gone standby costs 2 s at most
    assert replica["pool_pre_ping"] is True
    assert app.config["REPLICA_MAX_LAG_SECONDS"] == 5
    assert plain.config["REPLICA_ENGINE_OPTIONS"] is None
    assert "pointsmart_replica" not in plain.extensions  # no view wrapped, no hook


def test_a_standby_of_a_sqlite_file_is_refused(monkeypatch):
    with pytest.raises(ConfigError, match="DATABASE_REPLICA_URL"):
        create_app(
            {
                "ENV_NAME": "testing",
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "DATABASE_REPLICA_URL": "postgresql://pointsmart@db-standby/pointsmart",
            }
        )


def test_behind_pgbouncer_psycopg_prepares_no_statements(monkeypatch):
    monkeypatch.setenv("PGBOUNCER", "1")

    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://pointsmart@pgbouncer:6432/pointsmart",
            "DATABASE_REPLICA_URL": "postgresql://pointsmart@pgbouncer:6432/standby",
        }
    )

    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"prepare_threshold": None}
    assert app.config["REPLICA_ENGINE_OPTIONS"]["connect_args"] == {
        "prepare_threshold": None,
        "connect_timeout": 2,
    }


def test_an_app_with_the_limits_switched_off_starts(tmp_path):
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'off.db'}",
            "RATELIMIT_ENABLED": False,
        }
    )

    assert app.config["RATELIMIT_ENABLED"] is False


def test_limits_count_in_a_moving_window_so_a_burst_at_a_minutes_edge_gets_no_double(monkeypatch):
    monkeypatch.delenv("POINTSMART_ENV", raising=False)
    app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://"})

    assert app.config["RATELIMIT_STRATEGY"] == "moving-window"


def test_production_refuses_the_development_secret_printed_in_the_source(monkeypatch, tmp_path):
    """The development secret is in this public source: a server started with it (a
    development .env copied to the server) signed sessions and card tokens that anyone could
    forge, so anyone could open any household's card page by its id. Found by the security
    hunt; for every household of such a server."""
    from pointsmart.config import DEVELOPMENT_SECRET

    _production(monkeypatch, tmp_path)
    monkeypatch.setenv("SECRET_KEY", DEVELOPMENT_SECRET)
    monkeypatch.setenv("SINGLE_PROCESS", "1")

    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()
