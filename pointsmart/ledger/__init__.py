"""The ledger, a leaf: accounts, the transfers (append-only, hash-chained per village),
the only code that writes them (``posting``, reached through ``service``, and ``chain``,
which writes the transfer and moves the village's head, at once or at commit), the monthly
totals, idempotency records, ``verify`` and ``rebuild``. It imports nothing of the packages
above it (an import-linter contract); they reach it through ``service`` and ``queries``.
"""
