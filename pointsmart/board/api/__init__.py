"""The board's API: ``entries`` (red and black list entries and objections, for staff and
households) and ``public`` (summaries, the public board and leaderboards, read from the
standby where there is one)."""
