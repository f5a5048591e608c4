"""Points given and taken by rule: the village's rule catalogue (积分细则) and its versions,
awards and deductions by rule, approvals of big awards, batch and monthly scoring, the red and
black board (红黑榜) with its photos and objections, and the awards' pages and API.

Postings go through ``ledger.service``; volunteer activities (``activities``) and county
templates (``rule_templates``) build on this package.
"""
