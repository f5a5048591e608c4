"""Points given and taken by rule (the catalogue is ``rules``'): awards and deductions by rule or
ad hoc (``planning``, ``limits``, ``service``), approvals of big awards, batch and monthly
scoring, photos of evidence, and the awards' pages and API.

Postings go through ``ledger.service``; volunteer activities (``activities``) and county
templates (``rule_templates``) and the red and black board (``board``) build on this package.
"""
