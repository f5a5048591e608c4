"""Crash recovery: the bank test while the server is killed with SIGKILL at random moments.

Six times during the load, the server (granian) and all its workers die at once (one
``killpg``), mid-request, and a new server starts on the same database and port. The clients
send every unacknowledged request again with the same Idempotency-Key until it is answered.
Afterwards the bank test's checks hold all the same: every acknowledged operation is in the
ledger exactly once, the books balance, the stock adds up, and no sale is half-written (a
redeem transfer without its redemption, items and stock moves, or the reverse).
"""

from __future__ import annotations

import random
import threading
import time

import pytest

from tests.load.bank import CLIENTS, Log, run_load
from tests.load.checks import check_everything

OPS_PER_CLIENT = 256
KILLS = 6


def kill_at(server, log: Log, moments: list[int], rng: random.Random, done: threading.Event):
    """Kill the server once the clients have had each of ``moments`` answers; restart it."""
    for moment in moments:
        while log.acknowledged < moment:
            if done.is_set():
                return
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.05))
        server.kill()
        server.start()


@pytest.mark.slow
def test_the_books_survive_six_sigkills_during_the_bank_test(bank):
    app, scene, server = bank
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    total = CLIENTS * OPS_PER_CLIENT
    moments = sorted(rng.sample(range(total // 10, total * 8 // 10), KILLS))
    log, done = Log(), threading.Event()
    killer = threading.Thread(target=kill_at, args=(server, log, moments, rng, done))
    killer.start()
    try:
        run_load(
            scene, server.address, ops_per_client=OPS_PER_CLIENT, seed=seed, retry=True, log=log
        )
    finally:
        done.set()
        killer.join()

    assert server.starts == 1 + KILLS, (seed, moments)
    assert len(log.ops) == total, (seed, log.findings[:20])
    # The kills did cut requests off: some were only answered on a later attempt.
    assert any(op.attempts > 1 for op in log.ops), seed
    problems = check_everything(app, scene, log, server.address)
    assert problems == [], f"seed {seed}: {problems[:20]}\n{server.log_tail()}"
