"""The awards' named refusals, each with its stable API code."""

from flask_babel import lazy_gettext as _l

from ..errors import Forbidden, Problem


class MonthlyCapReached(Problem):
    """Carries ``remaining``: the points the household may still get from the rule this month."""

    status, code = 409, "monthly_cap_reached"
    title = _l("This would go over the rule's monthly cap for the household.")


class AlreadyScored(Problem):
    """The monthly scoring scores a household once per rule and month (a rule without a cap)."""

    status, code = 409, "already_scored"
    title = _l("This household has already been scored by this rule for the month.")


class ApprovalRequired(Problem):
    """Carries ``approval_id`` and ``approval``: the award waits in the approvals queue."""

    status, code = 409, "approval_required"
    title = _l("Above the approval threshold: the award waits for an administrator's approval.")


class LeaderQuotaReached(Problem):
    """Carries ``remaining``: the points the leader may still award this month."""

    status, code = 409, "leader_quota_reached"
    title = _l("This would go over your monthly quota of points to award.")


class BatchRefused(Problem):
    """Carries ``entries``: every bad entry with its index, household, code and detail."""

    status, code = 409, "batch_refused"
    title = _l("Some entries cannot be posted, so none was posted.")


class WrongRuleKind(Problem):
    status, code = 422, "wrong_rule_kind"
    title = _l("This rule cannot be used here.")


class SelfApproval(Forbidden):
    code = "self_approval"
    title = _l("Nobody approves their own proposal; another administrator must decide.")


class AlreadyDecided(Problem):
    status, code = 409, "already_decided"
    title = _l("This has already been decided.")


class CheckedOutTooSoon(Problem):
    status, code = 422, "checked_out_too_soon"
    title = _l(
        "Checked out less than a minute after checking in: there are no hours to count. "
        "Enter the hours instead, or remove the attendee if the check-in was a mistake."
    )


class NotTheActivityDay(Problem):
    status, code = 409, "not_the_activity_day"
    title = _l(
        "Checking in and out is on the activity's day: on another day, enter the attendee's "
        "hours instead."
    )


class AlreadyCheckedOut(Problem):
    status, code = 409, "already_checked_out"
    title = _l("This attendee has already checked out. If the hours are wrong, correct them.")


class AlreadyPosted(Problem):
    status, code = 409, "already_posted"
    title = _l("This attendance has already been posted and can no longer change.")


class CorrectionWindowClosed(Problem):
    status, code = 409, "correction_window_closed"
    title = _l("A leader may reverse their own entry only on the day it was made.")


class NotOnBoard(Problem):
    status, code = 409, "not_on_board"
    title = _l("The entry is no longer on the board; objections are closed.")


class AlreadyObjected(Problem):
    status, code = 409, "already_objected"
    title = _l("This household has already objected to this entry.")


class NotAnAwardOrDeduction(Problem):
    status, code = 409, "use_void"
    title = _l(
        "Only awards and deductions are reversed here. A sale is voided at the counter, "
        "which also puts the goods back in stock."
    )
