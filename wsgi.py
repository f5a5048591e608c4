"""The WSGI entry point for production: ``gunicorn wsgi:app``."""

from pointsmart import create_app

app = create_app()
