"""The published figures live in the repository: every cited CAL row is on docs/sources.md, and
nothing points a cloner at the steering folder beside the checkout."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROW = re.compile(r"\bCAL-(\d+)\.(\d+)\b")


def tracked_texts() -> dict[str, str]:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    return {name: (ROOT / name).read_text() for name in names
            if name.endswith((".py", ".md", ".yaml", ".toml", ".ipynb")) and (ROOT / name).is_file()}


def test_every_cited_row_is_on_the_sources_page():
    page = (ROOT / "docs/sources.md").read_text()
    listed = set(re.findall(r"^\| (CAL-\d+\.\d+) \|", page, flags=re.M))
    cited = {f"CAL-{a}.{b}" for text in tracked_texts().values() for a, b in ROW.findall(text)}
    assert len(listed) >= 29
    assert cited - listed == set()


def test_nothing_points_at_the_folder_beside_the_checkout():
    outside = [name for name, text in tracked_texts().items()
               if name != "tests/test_sources.py" and re.search(r"\.\./shared|shared/[A-Z]+\.md", text)]
    assert outside == []
