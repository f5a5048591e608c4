"""``flask ledger verify --head HASH``: the chain up to a printed head hash is unchanged."""

from __future__ import annotations

import sqlalchemy as sa

from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import Transfer
from pointsmart.ledger.verify import verify_head
from tests.factories import Factories
from tests.ledger.test_cli import edit_by_hand, run


def make_history(app):
    """Six transfers; the 'sheet' printed the hash and count after the fourth."""
    with app.app_context():
        make = Factories()
        village = make.village()
        household = make.household(village)
        shop = make.shop(village)
        transfers = [
            make.award(household, 30),
            ledger.deduct(village.id, household.id, 5, category="black"),
            ledger.redeem(village.id, household.id, shop.id, 10),
            make.award(household, 7),
            ledger.award(village.id, household.id, 3, category="red"),
            ledger.redeem(village.id, household.id, shop.id, 2),
        ]
        db.session.commit()
        return village.id, [(t.id, t.hash) for t in transfers]


def verify(app, village_id, head, *extra):
    return run(app, "ledger", "verify", "--village", str(village_id), "--head", head, *extra)


def test_a_printed_head_is_proved_while_later_months_go_on(fresh_app):
    village_id, transfers = make_history(fresh_app)
    head_id, head = transfers[3]

    result = verify(fresh_app, village_id, head, "--count", "4")

    assert result.exit_code == 0, result.output
    assert f"ok, head {head} is transfer {head_id}, number 4 of the chain" in result.output
    assert "the 4 transfers up to it are unchanged" in result.output


def test_the_hash_may_be_typed_in_capitals(fresh_app):
    village_id, transfers = make_history(fresh_app)

    result = verify(fresh_app, village_id, transfers[0][1].upper())

    assert result.exit_code == 0, result.output
    assert "number 1 of the chain" in result.output


def test_an_edit_before_the_head_fails_and_names_the_transfer(fresh_app):
    village_id, transfers = make_history(fresh_app)
    edited_id = transfers[1][0]
    edit_by_hand(fresh_app, "UPDATE transfers SET amount = 1 WHERE id = :id", id=edited_id)

    result = verify(fresh_app, village_id, transfers[3][1])

    assert result.exit_code == 1
    assert "FAILED" in result.output
    assert (
        f"the chain is broken at transfer {edited_id} (number 2) before it reaches "
        "the transfer with this hash (number 4)"
    ) in result.output
    assert f"transfer {edited_id} does not match its hash" in result.output


def test_an_edit_with_every_later_hash_recomputed_loses_the_printed_head(fresh_app):
    """A forger who rewrites the chain from the edit on cannot keep the printed hash."""
    village_id, transfers = make_history(fresh_app)
    with fresh_app.app_context():
        from pointsmart.ledger.hashing import CORE_FIELDS, OPTIONAL_FIELDS, transfer_hash

        rows = db.session.execute(
            sa.select(Transfer.id, *[getattr(Transfer, f) for f in CORE_FIELDS + OPTIONAL_FIELDS])
            .where(Transfer.village_id == village_id)
            .order_by(Transfer.seq)
        ).all()
        db.session.rollback()
    prev, forged = "0" * 64, []
    for row in rows:
        fields = dict(row._mapping)
        if row.id == transfers[0][0]:
            fields["memo"] = "forged"
        digest = transfer_hash(fields, prev)
        forged.append((row.id, fields["memo"], prev, digest))
        prev = digest
    edit_by_hand(fresh_app, "SELECT 1")  # drops the append-only guard
    with fresh_app.app_context(), db.engine.begin() as connection:
        for transfer_id, memo, prev_hash, digest in forged:
            connection.execute(
                sa.text(
                    "UPDATE transfers SET memo = :memo, prev_hash = :prev, hash = :hash "
                    "WHERE id = :id"
                ),
                {"memo": memo, "prev": prev_hash, "hash": digest, "id": transfer_id},
            )

    result = verify(fresh_app, village_id, transfers[3][1])

    assert result.exit_code == 1
    assert f"no transfer of village {village_id} carries this hash" in result.output


def test_an_edit_after_the_head_does_not_touch_the_printed_month(fresh_app):
    village_id, transfers = make_history(fresh_app)
    edit_by_hand(fresh_app, "UPDATE transfers SET amount = 1 WHERE id = :id", id=transfers[4][0])

    assert verify(fresh_app, village_id, transfers[3][1]).exit_code == 0
    assert run(fresh_app, "ledger", "verify", "--village", str(village_id)).exit_code == 1


def test_an_edit_of_the_head_transfer_itself_fails(fresh_app):
    village_id, transfers = make_history(fresh_app)
    head_id, head = transfers[3]
    edit_by_hand(fresh_app, "UPDATE transfers SET amount = 700 WHERE id = :id", id=head_id)

    result = verify(fresh_app, village_id, head)

    assert result.exit_code == 1
    assert f"transfer {head_id} (number 4) carries this hash but no longer holds" in result.output


def test_an_unknown_hash_fails(fresh_app):
    village_id, _ = make_history(fresh_app)

    result = verify(fresh_app, village_id, "ab" * 32)

    assert result.exit_code == 1
    assert f"no transfer of village {village_id} carries this hash" in result.output


def test_a_head_of_another_village_is_unknown_here(fresh_app):
    village_id, transfers = make_history(fresh_app)
    other_id, _ = make_history(fresh_app)

    result = verify(fresh_app, other_id, transfers[2][1])

    assert result.exit_code == 1
    assert "carries this hash" in result.output
    assert verify(fresh_app, village_id, transfers[2][1]).exit_code == 0


def test_a_wrong_count_fails(fresh_app):
    village_id, transfers = make_history(fresh_app)

    result = verify(fresh_app, village_id, transfers[3][1], "--count", "5")

    assert result.exit_code == 1
    assert "is number 4 of the chain, not 5" in result.output


def test_a_malformed_hash_fails(fresh_app):
    village_id, _ = make_history(fresh_app)

    result = verify(fresh_app, village_id, "not-a-hash")

    assert result.exit_code == 1
    assert "a head hash is 64 hexadecimal characters" in result.output


def test_head_needs_a_village(fresh_app):
    result = run(fresh_app, "ledger", "verify", "--head", "ab" * 32)

    assert result.exit_code == 2
    assert "--head needs --village" in result.output


def test_the_service_reports_how_far_it_read(make):
    village = make.village()
    household = make.household(village)
    first = make.award(household, 3)
    make.award(household, 4)

    report = verify_head(village.id, first.hash)

    assert (report.ok, report.seq, report.transfer_id, report.problems) == (
        True,
        1,
        first.id,
        [],
    )
    assert report.transfers_checked == 1


# --- API ---------------------------------------------------------------------------------------


def test_the_api_proves_a_head(api, make):
    village = make.village()
    household = make.household(village)
    admin = make.staff("admin", village)
    first = make.award(household, 3)
    make.award(household, 4)

    report = api.get(
        f"/villages/{village.id}/ledger/verify-head",
        query_string={"hash": first.hash, "count": 1},
        as_=admin,
    )

    assert report == {
        "ok": True,
        "head_hash": first.hash,
        "seq": 1,
        "transfer_id": first.id,
        "transfers_checked": 1,
        "problems": [],
    }


def test_the_api_reports_an_unknown_hash(api, make):
    village = make.village()
    make.award(make.household(village), 3)
    admin = make.staff("admin", village)

    report = api.get(
        f"/villages/{village.id}/ledger/verify-head", query_string={"hash": "cd" * 32}, as_=admin
    )

    assert report["ok"] is False
    assert report["seq"] is None
    assert "carries this hash" in report["problems"][0]


def test_the_api_refuses_a_malformed_hash_and_other_roles(api, make):
    village = make.village()
    admin, leader = make.staff("admin", village), make.staff("leader", village)
    url = f"/villages/{village.id}/ledger/verify-head"

    malformed = api.get(url, query_string={"hash": "xyz"}, as_=admin, expect=422)
    refused = api.get(url, query_string={"hash": "ab" * 32}, as_=leader, expect=403)

    assert malformed["code"] == "validation_failed"
    assert refused["code"] == "forbidden"
