"""Pages for leaders: awarding by rule, monthly scoring, activities, red and black entries."""

from flask import Blueprint

bp = Blueprint("awards_pages", __name__, template_folder="templates")
