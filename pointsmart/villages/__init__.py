"""Villages and who lives in them: villages and their settings, grids, households and
members, the roster import, and the households' QR cards (issued, printed on sheets, read at
the counter). Opening a village or a household opens its ledger accounts.
"""
