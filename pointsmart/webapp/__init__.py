"""The installable web app: static files, the web app manifest and the service worker.

* ``static_files``: every static file served compressed (gzip, Brotli) and cached for a year
  under a content-hashed name, by WhiteNoise; ``url_for('static', ...)`` gives that name.
* ``views``: ``/manifest/<kind>.webmanifest`` (the counter's and the villager's home-screen
  apps) and ``/sw.js``, the service worker (Workbox), which keeps the pages that must open
  with no network (the counter, ``/me``, the card page) and the assets they use.
"""
