"""The counter's named refusals, each with its HTTP status and stable ``code``.

The ledger's ``InsufficientPoints`` (409 ``insufficient_points``) and the cards'
``CardRevoked`` (410 ``card_revoked``), ``CardNotFound`` and ``CardCodeMistyped`` reach the
caller unchanged.
"""

from flask_babel import lazy_gettext as _l

from ..errors import Forbidden, Problem


class OutOfStock(Problem):
    status, code, title = 409, "out_of_stock", _l("Not enough of these goods in stock.")


class WrongShop(Forbidden):
    code, title = "wrong_shop", _l("You keep another shop: sell only at your own counter.")


class CardOfAnotherVillage(Forbidden):
    code, title = "card_of_another_village", _l("This card belongs to another village.")


class ShopClosed(Problem):
    status, code, title = 409, "shop_closed", _l("This shop is closed.")


class ProductInactive(Problem):
    status, code, title = 409, "product_inactive", _l("These goods are no longer offered.")


class PriceChanged(Problem):
    status, code = 409, "price_changed"
    title = _l("A price changed since the page showed it: check the total and confirm again.")


class AlreadyVoided(Problem):
    status, code, title = 409, "already_voided", _l("This sale has already been voided.")


class VoidTooLate(Forbidden):
    code = "void_too_late"
    title = _l("A shop voids only its sales of today; ask the village committee for older ones.")


class AlreadySettled(Problem):
    status, code, title = 409, "already_settled", _l("This month is already settled.")


class PeriodOpen(Problem):
    status, code = 409, "period_open"
    title = _l("This month is not over yet; settle it once it has ended.")


class NothingToSettle(Problem):
    status, code, title = 409, "nothing_to_settle", _l("There are no redeemed points to settle.")


class PinRequired(Forbidden):
    code = "pin_required"
    title = _l("Sales of this size need the household's PIN.")


class PinWrong(Forbidden):
    code, title = "pin_wrong", _l("The PIN is wrong.")


class PinLocked(Problem):
    status, code = 429, "pin_locked"
    title = _l("Too many wrong PINs: the PIN is locked for a while.")


class PinNotSet(Problem):
    status, code = 409, "pin_not_set"
    title = _l("Sales of this size need a PIN, and this household has none yet.")


class PhotoRejected(Problem):
    status, code, title = 422, "photo_rejected", _l("The photo is not a usable picture.")


class OfflineSalesOff(Problem):
    status, code = 409, "offline_sales_off"
    title = _l("This village does not allow sales without network (its offline limit is 0).")


class OfflineLimitExceeded(Problem):
    status, code = 409, "offline_limit_exceeded"
    title = _l("This is more than the village's offline limit for one household in one day.")


class OfflineSaleResolved(Problem):
    status, code, title = 409, "offline_sale_resolved", _l("This offline sale is already resolved.")


class NoHouseholdToCharge(Problem):
    status, code = 409, "no_household_to_charge"
    title = _l("The card named no household: write this sale off instead.")
