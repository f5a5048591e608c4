"""Reading a PDF back the way a person would: as page images (pdftoppm) and as text
(pdftotext), both from poppler-utils. Missing tools fail the test: CI installs them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} (poppler-utils) is needed to check the PDF; install poppler-utils"
    return path


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
