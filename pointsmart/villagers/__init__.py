"""Pages for villagers: a household's own points, history, rank and goods on ``/me``, its
objections to board entries, the card page a household's QR card opens (``/c/<token>``:
balance and this month, no sign-in), and the printed statement slips (对账单) for households
without smartphones. The public board, leaderboard and TV pages are the board's
(``board.views``).
"""
