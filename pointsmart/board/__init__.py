"""The red and black board (红黑榜) and what the public reads of a village.

* ``entries``: a red or black list entry posts its points and goes on the board for the
  village's days (a red entry above the approval threshold goes on once approved, heard from
  ``awards.approvals.award_approved``); the public board of a month.
* ``objections``: a household's objection (异议) to an entry, upheld (the entry's points are
  reversed) or dismissed by an admin.
* ``leaderboard``, ``names`` (masked names, 张*明, where the village asks), ``summary`` (the
  committee's figures of a month) and ``screens`` (the leaderboard page and the service
  hall's TV).
* ``api`` (entries and objections; the public summaries, board and leaderboards) and
  ``views`` (the staff's pages; the public board, leaderboard and TV pages).

The rules behind the entries and the posting are ``awards``'; the villager's own pages
(``/me``, objecting) are ``villagers``'.
"""
