"""Read paths as the ledger grows: balance, household page and leaderboards, median times.

    .venv/bin/python bench/read_paths.py --database URL [--village ID] [--repeat 200]

Run it against a database made by ``bench/synthetic.py`` (issue 5: 1,000 households and
1,000,000 transfers; issue 7: the same village shape with 10,000 and with 10,000,000
transfers). Each figure is the median of ``--repeat`` calls, rotating over 50 households,
in one process: the service functions directly, and the HTTP routes through Flask's test
client (the whole request: authentication, the query, the JSON or the page; no network).
Prints one line per figure; nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from pointsmart import create_app
from pointsmart.accounts.auth import VILLAGER_TOKEN_KEY, Principal
from pointsmart.accounts.models import ApiToken
from pointsmart.boards.leaderboard import leaderboard
from pointsmart.database import utcnow
from pointsmart.extensions import db
from pointsmart.ledger import queries
from pointsmart.ledger.models import Transfer
from pointsmart.periods import current_period
from pointsmart.villagers.service import my_page
from pointsmart.villages.models import Household, Village


def median_ms(call, repeat: int) -> float:
    call()  # warm the caches and the statement cache once
    times = []
    for index in range(repeat):
        started = time.perf_counter()
        call(index)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def token_for(**holder) -> str:
    token = secrets.token_urlsafe(24)
    db.session.add(
        ApiToken(
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            expires_at=utcnow() + dt.timedelta(hours=2),
            **holder,
        )
    )
    db.session.commit()
    return token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--village", type=int, default=None, help="default: the biggest")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("POINTSMART_ENV", "testing")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        village_id = (
            args.village
            or db.session.execute(
                sa.select(Transfer.village_id)
                .group_by(Transfer.village_id)
                .order_by(sa.func.count().desc())
                .limit(1)
            ).scalar_one()
        )
        village = db.session.get(Village, village_id)
        period = current_period(village.timezone)
        households = list(
            db.session.execute(
                sa.select(Household.id)
                .where(Household.village_id == village_id)
                .order_by(Household.id)
                .limit(50)
            ).scalars()
        )
        transfers = db.session.execute(
            sa.select(sa.func.max(Transfer.seq)).where(Transfer.village_id == village_id)
        ).scalar_one()
        from pointsmart.accounts.service import create_user

        admin = create_user(
            f"bench{secrets.token_hex(4)}",
            secrets.token_hex(12),
            role="admin",
            village_id=village_id,
        )
        db.session.commit()
        admin_token = token_for(user_id=admin.id)
        villager_tokens = [token_for(household_id=h) for h in households]
        db.session.rollback()

        def pick(index: int | None) -> int:
            return (index or 0) % len(households)

        def service(call):
            def run(index=None):
                call(index)
                db.session.rollback()

            return run

        figures = {
            "balance read (service)": service(
                lambda i: queries.household_balance(village_id, households[pick(i)])
            ),
            "household summary: balance, month, rank (service)": service(
                lambda i: queries.household_summary(village_id, households[pick(i)], period)
            ),
            "household page data (villagers.service.my_page)": service(
                lambda i: my_page(
                    Principal(household_id=households[pick(i)], household_village_id=village_id)
                )
            ),
            "month leaderboard, village (service)": service(
                lambda i: leaderboard(village_id, period=period)
            ),
            "year leaderboard, village (service)": service(
                lambda i: leaderboard(village_id, period=period[:4])
            ),
        }
        client = app.test_client()
        admin_auth = {"Authorization": f"Bearer {admin_token}"}

        def http(path_of, headers_of, *, page=False):
            def run(index=None):
                i = pick(index)
                if page:
                    with client.session_transaction() as session:
                        session[VILLAGER_TOKEN_KEY] = villager_tokens[i]
                response = client.get(path_of(i), headers=headers_of(i))
                assert response.status_code == 200, (response.status_code, response.data[:300])

            return run

        def villager_auth(i: int) -> dict[str, str]:
            return {"Authorization": f"Bearer {villager_tokens[i]}"}

        figures |= {
            "GET /api/v1/households/{id} (villager token)": http(
                lambda i: f"/api/v1/households/{households[i]}", villager_auth
            ),
            "GET /api/v1/households/{id}/transfers (villager)": http(
                lambda i: f"/api/v1/households/{households[i]}/transfers", villager_auth
            ),
            "GET /me, the household page (villager session)": http(
                lambda i: "/me", lambda i: {}, page=True
            ),
            "GET /api/v1/villages/{id}/leaderboard (month)": http(
                lambda i: f"/api/v1/villages/{village_id}/leaderboard?period={period}",
                lambda i: admin_auth,
            ),
            "GET /api/v1/villages/{id}/leaderboard (year)": http(
                lambda i: f"/api/v1/villages/{village_id}/leaderboard?period={period[:4]}",
                lambda i: admin_auth,
            ),
        }
        print(
            f"database: {args.database.split(':')[0]}, village {village_id}: "
            f"{len(households)} households sampled, {transfers:,} transfers, period {period}"
        )
        for name, call in figures.items():
            print(f"  {median_ms(call, args.repeat):7.2f} ms  {name}")


if __name__ == "__main__":
    main()
