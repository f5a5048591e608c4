"""Masking names on what the public sees: 张三明 -> 张*明.

The village setting ``villages.mask_names`` asks for it. No masking function existed in the
code base when the reports were written, so it lives here; public pages may share it.
"""

from __future__ import annotations


def mask_name(name: str) -> str:
    """Keep the first and the last character and star the ones between.

    Two characters keep the first (张三 -> 张*); one character stays as it is.
    """
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def shown_name(name: str, masked: bool) -> str:
    return mask_name(name) if masked else name
