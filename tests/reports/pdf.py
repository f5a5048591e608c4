"""Reading a PDF back the way a person would: as page images (pdftoppm) and as text
(pdftotext), both from poppler-utils. Without them the test skips, naming the packages
(``tests.system_packages``); CI fails instead."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.system_packages import poppler_tool as _tool


def page_images(pdf: bytes, tmp_path: Path) -> list[Path]:
    """Render every page at 50 dpi; returns the PNG files."""
    source = tmp_path / "sheet.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [_tool("pdftoppm"), "-r", "50", "-png", str(source), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    images = sorted(tmp_path.glob("page*.png"))
    for image in images:
        assert image.read_bytes().startswith(b"\x89PNG")
    return images


def pdf_text(pdf: bytes) -> str:
    result = subprocess.run(
        [_tool("pdftotext"), "-layout", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
        timeout=120,
    )
    return result.stdout.decode()
