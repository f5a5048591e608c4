"""The rule catalogue's refusals (their ``code``s are in docs/api.md)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..errors import Problem


class RuleInactive(Problem):
    status, code = 409, "rule_inactive"
    title = _l("This rule is no longer in use.")


class RuleNotInForce(Problem):
    status, code = 409, "rule_not_in_force"
    title = _l("This rule was not yet in force on that day.")


class PointsOutOfRange(Problem):
    """The points are outside the range the county's rule template allows the village.

    Carries ``points_min`` and ``points_max`` for one rule, or ``entries`` (each with its
    ``code``, ``points``, ``points_min`` and ``points_max``) for a template's adoption.
    """

    status, code = 409, "points_out_of_range"
    title = _l("The points are outside the range the county allows for this rule.")
