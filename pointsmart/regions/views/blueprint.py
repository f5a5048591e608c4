from pathlib import Path

from flask import Blueprint

bp = Blueprint(
    "regions_pages",
    __name__,
    url_prefix="/regions",
    template_folder=str(Path(__file__).resolve().parents[1] / "templates"),
)
