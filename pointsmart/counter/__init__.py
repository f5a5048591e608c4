"""The village shop's counter: shops, goods and stock, sales (redemptions) with their
household PINs, voids, receipts, the month's statement and settlement with the shop, and the
offline counter (``offline``: sales made without a network, synced and reconciled).

A sale's modules: ``customers`` (who is at the counter), ``sales`` (selling), ``voids``
(undoing a sale) and ``receipts`` (reading sales). ``goods`` holds shops and goods and who may
change them; ``stock`` how stock moves (every move, a sale's too) and the check that it adds
up.
"""
