"""Who is asking: staff users and their roles (per village, shop, township or county),
passwords and sign-in (with its delays), bearer tokens for the API, cookie sessions for the
pages, and households signing in on ``/me`` with phone and PIN. ``auth.Principal`` is what
every service function receives and checks roles on.
"""
