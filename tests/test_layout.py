"""The shape of the code that the re-cut set (issue 16): no module over 400 lines and no
package over 15% of the app's lines. The layers and the absence of import cycles are
import-linter's contracts (``[tool.importlinter]`` in pyproject.toml, run by ``make test``)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pointsmart

APP = Path(pointsmart.__file__).parent
MAX_MODULE_LINES = 400
MAX_PACKAGE_SHARE = 0.15


def lines_by_module() -> dict[str, int]:
    return {
        str(path.relative_to(APP)): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(APP.rglob("*.py"))
    }


def test_no_module_is_over_400_lines():
    too_long = {name: n for name, n in lines_by_module().items() if n > MAX_MODULE_LINES}
    assert too_long == {}


def test_no_package_holds_over_15_percent_of_the_apps_lines():
    modules = lines_by_module()
    by_package = Counter()
    for name, n in modules.items():
        package, _, rest = name.partition("/")
        if rest:  # a module at the top of pointsmart/ belongs to no package
            by_package[package] += n
    total = sum(modules.values())
    too_big = {
        package: f"{n / total:.1%}"
        for package, n in by_package.items()
        if n > MAX_PACKAGE_SHARE * total
    }
    assert too_big == {}
    assert len(by_package) >= 15  # the packages were found (a wrong root would pass above)
