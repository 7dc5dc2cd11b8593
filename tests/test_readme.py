"""The README: every figure it quotes has a measurement in bench/readme_figures.py (and the
reverse), and its Quickstart holds the two command lines CI runs."""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_every_figure_marker_has_a_measurement():
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "readme_figures.py"), "--check",
                           os.path.join(ROOT, "README.md")], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_marker_without_a_measurement_is_caught(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
                      + "\n<!-- fig:no_such_figure -->1 s<!-- /fig -->\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "readme_figures.py"), "--check", str(readme)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1 and "no_such_figure" in proc.stdout + proc.stderr


def test_the_quickstart_holds_the_install_and_the_test_line():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    block = re.search(r"```[a-z]*\n(.*?)```", text.split("## Quickstart", 1)[1], re.S).group(1)
    lines = [line for line in block.splitlines() if line.strip()]
    assert len(lines) == 2 and lines[1].endswith("python -m pytest")
