"""The village's rule catalogue (积分细则): what a point is given or taken for.

* ``models``: rules and their versions (points and monthly cap from a date on).
* ``catalogue``: adding and changing rules; the version in force on a day.
* ``arithmetic``: the points a quantity comes to, and the village's days.
* ``api``: the catalogue's JSON API. Its pages are the committee's (``admin.views.rules``).

Awards and deductions by rule (``awards``), the red and black board (``board``), activities
and the county's templates (``rule_templates``) build on this package.
"""
