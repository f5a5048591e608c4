"""The campaigns' named refusals, each with its stable API code (docs/api.md)."""

from flask_babel import lazy_gettext as _l

from ..errors import Forbidden, Problem


class WindowClosed(Problem):
    """Carries ``window``: nomination, review or notice, and its dates."""

    status, code = 409, "campaign_window_closed"
    title = _l("This is not open now: the campaign's window for it is closed.")


class AlreadyNominated(Problem):
    status, code = 409, "already_nominated"
    title = _l("This household is already nominated in this campaign.")


class NominationDeclined(Problem):
    status, code = 409, "nomination_declined"
    title = _l("This nomination was declined or removed.")


class NotOnCouncil(Forbidden):
    code = "not_on_council"
    title = _l("Only members of this campaign's council may vote.")


class OwnHousehold(Forbidden):
    code = "own_household"
    title = _l("A council member does not vote on their own household.")


class AlreadyVoted(Problem):
    status, code = 409, "already_voted"
    title = _l("This vote has already been cast; a vote cannot be changed.")


class QuorumNotMet(Problem):
    """Carries ``nominations``: the ids of the nominees with too few council votes."""

    status, code = 409, "quorum_not_met"
    title = _l("Too few council members have voted on some nominees to publish the result.")


class AlreadyPublished(Problem):
    status, code = 409, "already_published"
    title = _l("The campaign's result has already been published.")


class NotPublished(Problem):
    status, code = 409, "not_published"
    title = _l("The campaign's result has not been published yet.")


class NoticeNotOver(Problem):
    """Carries ``notice_until``: the last day of the public notice."""

    status, code = 409, "notice_not_over"
    title = _l("The public notice (公示) is not over yet; confer after it ends.")


class ObjectionsPending(Problem):
    status, code = 409, "objections_pending"
    title = _l("Objections to this campaign's result wait for a decision.")


class BeansAlreadyGiven(Problem):
    status, code = 409, "beans_already_given"
    title = _l("This household has already given its beans in this campaign.")


class NotAWinner(Problem):
    status, code = 409, "not_a_winner"
    title = _l("Objections are raised against the published winners only.")
