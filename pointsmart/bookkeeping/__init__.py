"""What people do with a village's ledger, above the ledger itself: read a household's
history and verify the chain (API, with their permission checks), and the year-end clearing
(年底清零, the admin's page and ``flask points clear``).

The ledger (``pointsmart.ledger``) is the leaf that writes and checks transfers and knows no
village, household or user; this package joins it to them.
"""
