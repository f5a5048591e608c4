"""The app as production runs it, plus one bench-only route: ``GET /bench/bare``.

    gunicorn -w 2 bench.bench_wsgi:app      (from the repository root; see bench/http_wrk.py)

``/bench/bare`` returns a small JSON and touches no database: the yardstick that the
sale and the balance read are compared with, through the same app, hooks and server. It
exists only in this module; the production app (``wsgi.py``) has no such route.
"""

from flask import jsonify

from pointsmart import create_app

app = create_app()


@app.get("/bench/bare")
def bare():
    return jsonify(ok=True, service="pointsmart")
