"""Draw the home-screen icons (pointsmart/static/icons/) from the favicon's shapes.

The favicon is an SVG (a red rounded square with a white mark); phones want PNG icons of
192 and 512 pixels, and a "maskable" one whose mark stays inside the middle 80 % that any
mask shape keeps. Run with the project's virtualenv: ``.venv/bin/python scripts/app_icons.py``.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BRAND = "#8f1d14"
# The favicon's white bars, in its 32 x 32 view box: (x, y, width, height).
BARS = ((8, 9, 16, 3), (8, 15, 16, 3), (14, 9, 4, 16), (7, 23, 18, 3))
ICONS = Path(__file__).resolve().parent.parent / "pointsmart" / "static" / "icons"


def icon(size: int, *, maskable: bool = False) -> Image.Image:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, size, size), fill=BRAND)
        scale, offset = size * 0.6 / 32, size * 0.2
    else:
        draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size * 6 / 32, fill=BRAND)
        scale, offset = size / 32, 0.0
    for x, y, width, height in BARS:
        left, top = offset + x * scale, offset + y * scale
        right, bottom = round(left + width * scale) - 1, round(top + height * scale) - 1
        draw.rectangle((round(left), round(top), right, bottom), fill="white")
    return image


def main() -> None:
    ICONS.mkdir(exist_ok=True)
    icon(192).save(ICONS / "icon-192.png", optimize=True)
    icon(512).save(ICONS / "icon-512.png", optimize=True)
    icon(512, maskable=True).save(ICONS / "icon-maskable-512.png", optimize=True)


if __name__ == "__main__":
    main()
