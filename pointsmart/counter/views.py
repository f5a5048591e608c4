"""Pages: the counter, goods and stock, receipts and settlement statements."""

from flask import Blueprint

bp = Blueprint("counter_pages", __name__, template_folder="templates")
