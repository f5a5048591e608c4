"""The ledger's named refusals."""

from flask_babel import lazy_gettext as _l

from ..errors import Problem


class InsufficientPoints(Problem):
    status, code, title = 409, "insufficient_points", _l("Not enough points.")


class AlreadyReversed(Problem):
    status, code, title = 409, "already_reversed", _l("This entry has already been reversed.")


class CannotReverseReversal(Problem):
    status, code = 409, "cannot_reverse_reversal"
    title = _l("A reversal cannot itself be reversed; post a new entry instead.")


class AccountMissing(Problem):
    status, code, title = 404, "account_not_found", _l("The account does not exist.")


class AccountClosed(Problem):
    status, code, title = 409, "account_closed", _l("The household has moved away.")


class ReversalIntoClosedAccount(Problem):
    """A void or reversal would move the balance of a household that moved away (its account
    was closed at 0): the points, or the debt, would stay there with nobody to use or pay them."""

    status, code = 409, "reversal_account_closed"
    title = _l(
        "The household has moved away and its account is closed at 0 points: this entry can "
        "no longer be voided or reversed, or its points would stay in an account nobody can use."
    )


class ReversalAfterClearing(Problem):
    """An award whose points a year-end clearing took afterwards (the household's positive
    balance expired): reversing it would take the same points from the household a second
    time, out of what it earned since, and leave the village holding them twice (as expired
    and as issued back)."""

    status, code = 409, "reversal_after_clearing"
    title = _l(
        "The points of this entry expired in a year-end clearing after it: reversing it now "
        "would take them from the household a second time."
    )


class IdempotencyKeyRequired(Problem):
    status, code = 400, "idempotency_key_required"
    title = _l("Send an Idempotency-Key header (1 to 64 characters) with this request.")


class IdempotencyKeyReused(Problem):
    status, code = 422, "idempotency_key_reused"
    title = _l("This Idempotency-Key was already used for a different request.")
