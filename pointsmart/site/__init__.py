"""The site's own pages: the home page that sends each person to their work, and the
choice of language."""
