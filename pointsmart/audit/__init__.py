"""The audit log: every change that is not a ledger transfer, with who made it and when."""
