"""The board's pages: ``staff`` (``board_pages``: leaders and admins make red and black list
entries and decide objections; the entries' photos) and ``public`` (``public_board``: the
public board, the leaderboard and the TV page of the service hall, for anyone)."""
