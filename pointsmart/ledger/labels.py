"""The ledger's words as the pages and the exports show them: the kinds of transfer, the
categories and the village's own accounts, in the page's language (lazy strings)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "award": _l("Award"),
    "deduct": _l("Deduction"),
    "redeem": _l("Redemption"),
    "settle": _l("Settlement"),
    "expire": _l("Year-end clearing"),
    "shortfall": _l("Offline shortfall"),
    "write_off": _l("Offline write-off"),
}
CATEGORY_LABELS = {
    "volunteer": _l("Volunteering"),
    "red": _l("Red list"),
    "black": _l("Black list"),
    "rule": _l("Village rules"),
    "other": _l("Other"),
}
SYSTEM_ACCOUNT_LABELS = {
    "issued": _l("Village: points given"),
    "penalties": _l("Village: points deducted"),
    "settled": _l("Settled with shops"),
    "expired": _l("Cleared at the year's end"),
}
