"""Households and who lives in them: registering and finding households and members, the
roster import from the clerk's Excel or CSV file, and the households' QR cards (issued,
printed on sheets, read at the counter). Registering a household opens its ledger account.

* ``service`` (registering, finding, searching, cards), ``answer`` (one household as the API
  answers it, in one statement), ``roster*`` (import), ``card*`` / ``cards`` (the cards).
* ``api`` and the pages of the cards (``card_views``) and the roster (``roster_views``).
"""
