"""The admin pages' named refusals."""

from flask_babel import lazy_gettext as _l

from ..errors import Problem


class BalanceNotSettled(Problem):
    status, code = 409, "balance_not_settled"
    title = _l(
        "The household still has points. Its balance must be spent or cleared to 0 "
        "before it can be marked as moved away."
    )


class SelfLockout(Problem):
    status, code = 409, "own_admin_role"
    title = _l("You cannot remove your own administrator role or disable yourself.")


class RoleExists(Problem):
    status, code, title = 409, "role_exists", _l("The user already has this role.")
