from pathlib import Path

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint(
    "rule_templates_pages",
    __name__,
    template_folder=str(Path(__file__).resolve().parents[1] / "templates"),
)

# The categories as the village's rules page names them (admin/views/rules.py).
CATEGORY_LABELS = {
    "volunteer": _l("Volunteering"),
    "red": _l("Red list"),
    "black": _l("Black list"),
    "rule": _l("Village rules"),
    "other": _l("Other"),
}
