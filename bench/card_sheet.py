"""Time the printable card sheet: 1,000 household cards (100 A4 pages) as one PDF.

    .venv/bin/python bench/card_sheet.py [--cards 1000] [--database URL] [--profile]

Makes a village with that many households in a throwaway SQLite file (unless ``--database``),
issues their cards (not timed), then times ``collect_cards`` and ``render_pdf`` as the
``cards print`` command and the sheet page use them. ``--profile`` prints the top of a
cProfile of the rendering.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flask_migrate

from pointsmart import create_app
from pointsmart.extensions import db
from pointsmart.households.card_sheet import collect_cards, render_pdf
from tests.factories import ROOT, Factories


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--database", default=None)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/cards.db"
    os.environ.setdefault("POINTSMART_ENV", "testing")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context(), app.test_request_context():
        flask_migrate.upgrade()
        make = Factories()
        village = make.village()
        for number in range(1, args.cards + 1):
            make.household(village, number=f"{number:05d}", head_name="李秀英")
        sheet = collect_cards(ROOT, village.id, issue_missing=True)
        db.session.commit()

        profile = cProfile.Profile() if args.profile else None
        cpu_started = time.process_time()
        started = time.perf_counter()
        if profile:
            profile.enable()
        sheet = collect_cards(ROOT, village.id)
        collected = time.perf_counter()
        pdf = render_pdf(sheet.entries, title="bench")
        if profile:
            profile.disable()
        finished = time.perf_counter()
        cpu = time.process_time() - cpu_started
    print(f"cards: {len(sheet.entries)}, pages: {sheet.pages}, PDF {len(pdf) / 1024:,.0f} KiB")
    print(f"collect_cards: {collected - started:6.2f} s")
    print(f"render_pdf:    {finished - collected:6.2f} s")
    print(f"total:         {finished - started:6.2f} s (CPU of this process {cpu:.2f} s)")
    if profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
