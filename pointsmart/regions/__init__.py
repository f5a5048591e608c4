"""Townships and counties: the administrative tree above the villages, their staff's read
access, the dashboard that compares villages, and the flags that point to where to look.

The tree is county (县/区) -> township (乡镇/街道) -> village. A village may sit under no
township (villages made before the tree existed). A ``county_admin`` reads every village of
the county and creates its townships, villages and village admins; a ``township_admin`` (the
包村干部) reads the villages of one township. Neither awards, sells nor settles.
"""
