"""The README and the docs site: every relative link resolves, the README stays a page.
(`mkdocs build --strict` in .ci/release checks the site's own links and references too.)"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    """GitHub's and MkDocs's anchor for a heading (lower case, punctuation dropped)."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return re.sub(r"[ ]", "-", text)


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.DOTALL)
    return {_slug(h) for h in re.findall(r"(?m)^#{1,6} (.+)$", text)}


def _links(page: Path):
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.DOTALL)
    for match in LINK.finditer(text):
        yield match.group(1) or match.group(2)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    broken = []
    for target in _links(page):
        if re.match(r"^[a-z]+:", target):  # http(s), mailto: not fetched (no network here)
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
            broken.append(f"{target}: no heading with that anchor")
    assert not broken, f"{page.name}: " + "; ".join(broken)


def test_the_readme_is_a_page():
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 250, len(lines)


def test_the_readme_has_exactly_the_two_set_up_commands_ci_runs():
    readme = (ROOT / "README.md").read_text()
    set_up = readme[readme.index("## Set up"):readme.index("## Quick start")]
    blocks = re.findall(r"```bash\n(.*?)```", set_up, re.DOTALL)
    commands = [line for block in blocks for line in block.splitlines() if line.strip()]
    install, test = [c for c in commands if c.startswith("python -m")]
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert install in ci and test in ci
    assert ci.index(install) < ci.index(test)
    assert "truacc demo" in commands
    # Every line a new user runs to set up is a line of .ci/run, word for word, in order;
    # and no other set-up command hides in the prose before the demo (the library-only
    # install after it, `pip install "keras-truacc[tensorflow]"`, is what .ci/release does
    # with the built wheel).
    set_up_lines = [c for c in commands if c != "truacc demo"]
    assert len(set_up_lines) == 3, set_up_lines  # the venv, install, test
    assert all(line in ci for line in set_up_lines), (set_up_lines, ci)
    assert [ci.index(line) for line in set_up_lines] == sorted(ci.index(line)
                                                               for line in set_up_lines)
    before_demo = set_up[:set_up.index("```bash\ntruacc demo")]
    prose = re.sub(r"```bash\n.*?```", "", before_demo, flags=re.DOTALL)
    assert not re.search(r"`(python|pip|\.?/?\.venv)[^`]*`", prose), prose


def test_the_version_is_kept_in_one_place():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject and "\nversion =" not in pyproject.split("[tool")[0]
    changelog = (ROOT / "CHANGELOG.md").read_text()
    import keras_truacc

    assert f"## [{keras_truacc.__version__}]" in changelog
