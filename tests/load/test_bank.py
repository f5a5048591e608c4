"""The bank test: 8 clients, 2,048 mixed operations over 20 households, one real server.

granian runs with 4 workers on PostgreSQL (``TEST_DATABASE_URL``) and 2 on SQLite. Afterwards
every acknowledged answer must be in the database exactly once, and the books must balance;
see ``tests.load.checks`` for the whole list.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from tests.load.bank import CLIENTS, WEIGHTS, run_load
from tests.load.checks import check_everything

OPS_PER_CLIENT = 256


@pytest.mark.slow
def test_2048_mixed_operations_from_8_clients_keep_every_point(bank):
    app, scene, server = bank
    seed = random.randrange(2**32)

    log = run_load(scene, server.address, ops_per_client=OPS_PER_CLIENT, seed=seed)

    assert len(log.ops) == CLIENTS * OPS_PER_CLIENT >= 2000, (seed, log.findings[:20])
    kinds = Counter(op.kind for op in log.ops)
    assert set(kinds) == set(WEIGHTS), (seed, kinds)
    problems = check_everything(app, scene, log, server.address)
    assert problems == [], f"seed {seed}: {problems[:20]}\n{server.log_tail()}"
    # The business rules were tested too: some sales found too few points or no stock left.
    refusals = Counter(op.code for op in log.ops if op.kind == "sale" and not op.succeeded)
    assert refusals["insufficient_points"] > 0, (seed, refusals)
    assert refusals["out_of_stock"] > 0, (seed, refusals)
