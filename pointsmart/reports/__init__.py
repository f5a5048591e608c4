"""Reports for the village committee and the notice board, and the exports of every table.

* ``sheet`` / ``sheet_pdf``: the monthly 公示 sheet (leaderboard, red and black lists, every
  household's month totals, and the ledger's head hash and transfer count at the month's
  close) as an A4 PDF.
* ``committee``: the monthly summary against the goods in stock, points per leader and how
  concentrated each leader's awards are, and the last 12 months; ``committee_tables``: its
  tables as the page and the downloads show them.
* ``exports``: households, transfers, redemptions and settlements as tables, one table of
  columns a kind.
* ``tabular``: any table as CSV (UTF-8 with BOM, streamed) or xlsx, guarded against formula
  injection.

Everything here reads; nothing here writes to the ledger. Every service function checks that
the caller administers the village.
"""
