"""The rule templates' named refusals, each with its stable API code.

``points_out_of_range`` (``PointsOutOfRange``) lives with the rules it guards, in
``pointsmart.awards.errors``: a village's later edit of an adopted rule is refused there too.
"""

from flask_babel import lazy_gettext as _l

from ..errors import Problem


class NoDraft(Problem):
    status, code = 409, "no_draft"
    title = _l("This template has no draft: start a new draft from its latest version first.")


class DraftExists(Problem):
    status, code = 409, "draft_exists"
    title = _l("This template already has a draft: edit it or publish it.")


class TemplateEmpty(Problem):
    status, code = 409, "template_empty"
    title = _l("A template needs at least one rule before it is published.")


class LaterVersionExists(Problem):
    """Carries ``rules``: each village rule (``code``, ``rule_id``) with the first day of a
    version of its own after the adoption's day, which would override the adopted points."""

    status, code = 409, "later_version_exists"
    title = _l(
        "A rule of the village already has new points from a later day. "
        "Adopt from that day or later, or leave the rule out."
    )
