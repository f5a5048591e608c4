from pathlib import Path

from flask import Blueprint

bp = Blueprint(
    "admin",
    __name__,
    url_prefix="/admin",
    template_folder=str(Path(__file__).resolve().parents[1] / "templates"),
)
