"""Volunteer activities (志愿活动): a leader records an activity, checks in the households
that came (by card or by name), corrects their hours, and posts the attendance as awards by
the activity's volunteer rule, once. Pages for the leader's phone and the API.

Awards, rules and batches are the awards package's; this package builds on them.
"""
