"""The repository explains itself: every link in README.md and docs/ resolves inside it."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md")),
             *sorted(ROOT.glob("*/README.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_resolve_inside_the_repository(document):
    broken = []
    for target in LINK.findall(document.read_text()):
        if target.startswith(("http://127.0.0.1", "http://localhost", "#", "mailto:")):
            continue
        assert not re.match(r"[a-z]+://", target), f"{document.name} links outside the repository: {target}"
        path = (document.parent / target.split("#")[0]).resolve()
        if not path.exists() or ROOT not in path.parents and path != ROOT:
            broken.append(target)
    assert not broken, f"{document.relative_to(ROOT)}: broken links {broken}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_reference_to_files_outside_the_clone(document):
    assert "../shared" not in document.read_text(), "a person cloning the project has no ../shared"
