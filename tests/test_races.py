"""Two requests racing for the same unique thing: one wins, the other gets a clear 4xx."""

import threading

from pointsmart.extensions import db
from tests.factories import Factories
from tests.households.racing import another_clerk_adds


def village_and_admin(app):
    """A village and an admin of it, committed: ``(village_id, admin, engine)``."""
    with app.app_context():
        make = Factories()
        village = make.village()
        admin = make.staff("admin", village)
        db.session.commit()
        return village.id, admin, db.engine


def test_two_households_created_at_once_with_one_number_give_one_201_and_one_refusal(fresh_app):
    village_id, admin, _ = village_and_admin(fresh_app)
    start = threading.Barrier(2)
    statuses = []

    def create():
        client = fresh_app.test_client()
        start.wait()
        response = client.post(
            f"/api/v1/villages/{village_id}/households",
            json={"number": "XF-100", "head_name": "同号"},
            headers=admin.auth,
        )
        statuses.append(
            (
                response.status_code,
                response.get_json()["code"] if response.status_code >= 400 else None,
            )
        )

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Whether the second met the check or the database's unique key (errors.refuse_duplicates)
    assert sorted(statuses, key=lambda answer: answer[0]) == [
        (201, None),
        (422, "validation_failed"),
    ]


def test_two_card_reissues_at_once_give_versions_one_and_two(fresh_app):
    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        household = make.household(village)
        admin = make.staff("admin", village)
        db.session.commit()
        household_id = household.id
    start = threading.Barrier(2)
    versions = []

    def reissue():
        client = fresh_app.test_client()
        start.wait()
        response = client.post(f"/api/v1/households/{household_id}/card", headers=admin.auth)
        assert response.status_code == 201, response.get_data(as_text=True)
        versions.append(response.get_json()["version"])

    threads = [threading.Thread(target=reissue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(versions) == [1, 2]


def test_a_number_taken_between_the_check_and_the_insert_is_refused_beside_the_field(
    fresh_app,
):
    """Two clerks at once: both pass the check that the number is free, and the database
    refuses the second's row (on PostgreSQL; SQLite's writers take turns). The answer is the
    check's own, not 409 ``concurrent_change``."""
    village_id, admin, engine = village_and_admin(fresh_app)

    with another_clerk_adds(engine, village_id, "0501"):
        answer = fresh_app.test_client().post(
            f"/api/v1/villages/{village_id}/households",
            json={"number": "0501", "head_name": "吴一"},
            headers={**admin.auth, "Accept-Language": "zh-CN"},
        )

    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert answer.get_json()["code"] == "validation_failed"
    assert answer.get_json()["errors"] == {"number": ["该户号已存在。"]}
