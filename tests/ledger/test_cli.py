"""``flask ledger verify`` and ``flask ledger rebuild`` on a database that really committed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from tests.factories import Factories


@pytest.fixture
def village_with_history(fresh_app):
    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        household = make.household(village)
        shop = make.shop(village)
        transfers = [
            make.award(household, 30),
            ledger.deduct(village.id, household.id, 5, category="black"),
            ledger.redeem(village.id, household.id, shop.id, 10),
        ]
        ledger.reverse(transfers[1].id, reason="误记")
        db.session.commit()
        return village.id, household.id, [t.id for t in transfers]


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def edit_by_hand(app, statement: str, **params):
    """What someone with database access could do: drop the guard, then rewrite history."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            guard = "ALTER TABLE transfers DISABLE TRIGGER transfers_refuse_update_delete"
        else:
            guard = "DROP TRIGGER transfers_refuse_update"
        with db.engine.begin() as connection:
            connection.exec_driver_sql(guard)
            connection.execute(sa.text(statement), params)


def test_verify_is_clean_on_an_untouched_ledger(fresh_app, village_with_history):
    result = run(fresh_app, "ledger", "verify")

    assert result.exit_code == 0, result.output
    assert "ok, 4 transfers" in result.output


def test_a_village_that_is_not_there_is_refused_not_read_as_every_village(
    fresh_app, village_with_history
):
    for command in ("verify", "rebuild"):
        for village_id in ("0", "999999"):
            result = run(fresh_app, "ledger", command, "--village", village_id)

            assert result.exit_code == 2, (command, village_id, result.output)
            assert "village 1" not in result.output


def test_verify_names_a_transfer_edited_by_hand(fresh_app, village_with_history):
    village_id, _, (_, deduct_id, _) = village_with_history
    edit_by_hand(fresh_app, "UPDATE transfers SET amount = 5000 WHERE id = :id", id=deduct_id)

    result = run(fresh_app, "ledger", "verify", "--village", str(village_id))

    assert result.exit_code == 1
    assert "FAILED" in result.output
    assert f"first bad transfer: {deduct_id}" in result.output
    assert f"transfer {deduct_id} does not match its hash" in result.output


def test_verify_names_a_memo_rewritten_with_its_hash_recomputed(fresh_app, village_with_history):
    """Rewriting a transfer and its own hash still breaks the link to the next transfer."""
    _, _, (award_id, _, _) = village_with_history
    with fresh_app.app_context():
        from pointsmart.ledger.hashing import CORE_FIELDS, transfer_hash
        from pointsmart.ledger.models import Transfer

        row = db.session.execute(
            sa.select(*[getattr(Transfer, f) for f in CORE_FIELDS], Transfer.prev_hash).where(
                Transfer.id == award_id
            )
        ).one()
        fields = dict(row._mapping) | {"memo": "forged"}
        forged_hash = transfer_hash(fields, row.prev_hash)
        db.session.rollback()
    edit_by_hand(
        fresh_app,
        "UPDATE transfers SET memo = 'forged', hash = :hash WHERE id = :id",
        hash=forged_hash,
        id=award_id,
    )

    result = run(fresh_app, "ledger", "verify")

    assert result.exit_code == 1
    assert "does not follow the previous link" in result.output


def test_rebuild_repairs_a_tampered_cache(fresh_app, village_with_history):
    village_id, household_id, _ = village_with_history
    with fresh_app.app_context(), db.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE accounts SET balance = 999 WHERE household_id = :h"),
            {"h": household_id},
        )
        connection.execute(sa.text("DELETE FROM monthly_totals"))

    broken = run(fresh_app, "ledger", "verify")
    assert broken.exit_code == 1
    assert "caches balance 999, transfers say 20" in broken.output

    rebuilt = run(fresh_app, "ledger", "rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert run(fresh_app, "ledger", "verify").exit_code == 0
    with fresh_app.app_context():
        assert ledger.account_balance(village_id, f"household:{household_id}") == 20


def test_rebuild_never_hides_a_broken_chain(fresh_app, village_with_history):
    _, _, (award_id, _, _) = village_with_history
    edit_by_hand(fresh_app, "UPDATE transfers SET amount = 31 WHERE id = :id", id=award_id)

    rebuilt = run(fresh_app, "ledger", "rebuild")

    assert rebuilt.exit_code == 1
    assert f"first bad transfer: {award_id}" in rebuilt.output
    assert run(fresh_app, "ledger", "verify").exit_code == 1


def test_users_create_makes_a_login_with_a_role(fresh_app):
    with fresh_app.app_context():
        village = Factories().village()
        db.session.commit()
        village_id = village.id

    created = run(
        fresh_app,
        "users", "create", "--role", "leader", "--village", str(village_id),
        "--password", "long-enough", "zhang.leader",
    )  # fmt: skip
    assert created.exit_code == 0, created.output

    token = fresh_app.test_client().post(
        "/api/v1/auth/token", json={"username": "zhang.leader", "password": "long-enough"}
    )
    assert token.status_code == 201
    assert token.get_json()["user"]["roles"] == [
        {"role": "leader", "village_id": village_id, "shop_id": None}
    ]


def test_users_create_prompts_for_the_password(fresh_app):
    result = fresh_app.test_cli_runner().invoke(
        args=["users", "create", "--role", "admin", "root"], input="s3cret-pass\ns3cret-pass\n"
    )
    assert result.exit_code == 0, result.output
    assert "every village" in result.output


def test_users_create_refuses_a_shopkeeper_without_a_shop(fresh_app):
    with fresh_app.app_context():
        village = Factories().village()
        db.session.commit()
        village_id = village.id

    result = run(
        fresh_app,
        "users", "create", "--role", "shopkeeper", "--village", str(village_id),
        "--password", "long-enough", "keeper",
    )  # fmt: skip

    assert result.exit_code == 2
    assert "shop_id" in result.output
