"""County rule templates (积分细则模板): a county publishes its rules, its villages adopt them.

* A ``RuleTemplate`` belongs to a county. Its ``TemplateVersion`` rows are numbered v1, v2 ...
  once published, and never change afterwards; at most one unnumbered draft per template is
  edited freely by the county's admins, and publishing it freezes it as the next number.
* A ``TemplateEntry`` is one rule of a version: code, name, category, unit, points, monthly
  cap, and the range ``points_min``..``points_max`` a village may move the points in
  (``points_min == points == points_max``: the points are fixed). An entry's code names the
  same rule across versions, so its category, unit and sign never change once published.
* A village adopts a published version from a day on (today or later): each chosen entry
  becomes a rule of the village (``pointsmart.awards``), or a new version of the rule
  adopted earlier from the same template and code, carrying the county's range. The
  ``Adoption`` records what, from when and by whom; ``TemplateRule`` links a template's code
  to the village's rule.

Who: the county's admins (and the admin of every village) make, edit and publish; the
township admins and the village admins under the county read the published versions; a
village's admins adopt for their village. See ``access``.

The county's side: ``reading`` (templates, versions, the draft), ``drafting`` (make, edit,
publish) and ``entries`` (an entry's fields and checks). The village's side: ``offers`` (what
it may adopt, what it adopted) and ``adoption`` (plan and adopt).
"""
