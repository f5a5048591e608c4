"""The village shop's counter: shops, goods and stock, sales (redemptions) with their
household PINs, voids, receipts, the month's statement and settlement with the shop, and the
offline counter (``offline``: sales made without a network, synced and reconciled).
"""
