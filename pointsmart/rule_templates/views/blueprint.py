from pathlib import Path

from flask import Blueprint

bp = Blueprint(
    "rule_templates_pages",
    __name__,
    template_folder=str(Path(__file__).resolve().parents[1] / "templates"),
)
