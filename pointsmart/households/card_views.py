"""Pages for household cards, for village admins (signed in): the cards page of a village
(how many households have cards; issue the missing ones; reissue a lost one), one household's
card with its QR code, the QR images, and the printable A4 PDF sheet of a village or a grid.
The page a villager's phone opens from the card is ``pointsmart.villagers.card_views``.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from ..accounts.auth import login_required, page_principal
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..forms import query_id, run_once
from ..replica import reads_from_replica
from . import card_sheet
from .card_images import image_response
from .cards import format_code

bp = Blueprint("cards", __name__, template_folder="templates")


@bp.route("/villages/<int:village_id>/cards")
@login_required
def village_cards(village_id: int):
    actor = page_principal()
    sheet = card_sheet.collect_cards(actor, village_id)
    return render_template(
        "households/cards_admin.html",
        village_id=village_id,
        sheet=sheet,
        grids=card_sheet.grids_of(village_id),
        village_name=card_sheet.village_name(village_id),
    )


@bp.route("/villages/<int:village_id>/cards.pdf")
@reads_from_replica
@login_required
def village_cards_pdf(village_id: int):
    """The A4 sheet of the village's current cards (``?grid_id=`` for one grid)."""
    actor = page_principal()
    grid_id = query_id("grid_id")
    sheet = card_sheet.collect_cards(actor, village_id, grid_id=grid_id)
    name = card_sheet.village_name(village_id)
    pdf = card_sheet.render_pdf(sheet.entries, title=_("Cards of %(village)s", village=name))
    suffix = f"-grid{grid_id}" if grid_id else ""
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="cards-{village_id}{suffix}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/villages/<int:village_id>/cards/issue", methods=["POST"])
@login_required
def issue_missing_cards(village_id: int):
    """Issue a first card to every active household without one (a double tap issues once)."""
    actor = page_principal()

    def produce():
        return {"issued": card_sheet.collect_cards(actor, village_id, issue_missing=True).issued}

    result = run_once(actor, {"village_id": village_id}, produce)
    flash(_("%(n)s new cards issued.", n=result["issued"]), "success")
    return redirect(url_for("cards.village_cards", village_id=village_id), code=303)


@bp.route("/villages/<int:village_id>/cards/reissue", methods=["POST"])
@login_required
def reissue_card(village_id: int):
    """Replace a lost card: the old one stops working at once."""
    actor = page_principal()
    number = request.form.get("number", "").strip()
    try:
        result = run_once(
            actor,
            {"village_id": village_id, "number": number},
            lambda: {"household_id": card_sheet.reissue_by_number(actor, village_id, number)},
        )
    except (NotFound, ValidationFailed) as problem:
        db.session.rollback()  # the form key's claim too: the form may be sent again
        messages = [m for field in (problem.errors or {}).values() for m in field]
        flash(" ".join(messages) or str(problem.detail or problem.title), "error")
        return redirect(url_for("cards.village_cards", village_id=village_id), code=303)
    flash(_("A new card was issued; the old card no longer works."), "success")
    return redirect(url_for("cards.household_card", household_id=result["household_id"]), code=303)


@bp.route("/households/<int:household_id>/card")
@login_required
def household_card(household_id: int):
    """One household's current card, to print or to show."""
    card = card_sheet.card_for_printing(page_principal(), household_id)
    holder = card_sheet.card_holder_names(household_id)
    return render_template(
        "households/household_card.html", card=card, holder=holder, code=format_code(card.code)
    )


@bp.route("/households/<int:household_id>/card.<any(png, svg):kind>")
@login_required
def household_card_image(household_id: int, kind: str):
    card = card_sheet.card_for_printing(page_principal(), household_id)
    return image_response(card.url, kind)
