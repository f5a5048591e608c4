"""JSON API: shops, goods, stock, redemptions, voids and settlements."""

from flask_smorest import Blueprint

blp = Blueprint("counter", __name__, description="Shops, goods, redemptions and settlements")
