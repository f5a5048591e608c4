"""Pages for villagers and the public: a household's own points, history, rank and goods on
``/me``; the public board, leaderboard and TV pages; and the printed statement slips (对账单)
for households without smartphones.
"""
