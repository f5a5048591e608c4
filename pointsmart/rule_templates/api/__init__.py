"""JSON API of the rule templates: the county's side (``templates``) and the village's
(``adoption``). ``blp`` is defined in ``blueprint``; importing this package loads the routes."""

from . import adoption, templates
from .blueprint import blp

__all__ = ["adoption", "blp", "templates"]
