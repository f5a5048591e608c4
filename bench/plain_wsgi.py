"""The yardstick: a plain Flask app with one JSON route, ``GET /bare``, and nothing else.

    gunicorn -w 2 bench.plain_wsgi:app     (from the repository root; see bench/http_wrk.py)

The app's own routes are compared with this under the same server and workers in the same
run: what Flask and the server cost, with none of pointsmart's extensions, hooks or database.
"""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/bare")
def bare():
    return jsonify(ok=True, service="pointsmart")
