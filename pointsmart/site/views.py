"""The public home page."""

from flask import Blueprint, render_template

bp = Blueprint("site", __name__, template_folder="templates")


@bp.route("/")
def home():
    return render_template("site/home.html")
