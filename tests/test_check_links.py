"""docs/check_links.py, the check CI runs on the built documentation: broken internal links are found."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "check_links.py"
spec = importlib.util.spec_from_file_location("check_links", SCRIPT)
check_links = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_links)


@pytest.fixture
def site(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / "fig.png").write_bytes(b"\x89PNG")
    (tmp_path / "index.html").write_text(
        '<html><body><h1 id="top">T</h1>\n'
        '<a href="sub/page.html#part">ok</a> <a href="#top">ok</a> <a href="https://example.org/x">external</a>\n'
        '<img src="_images/fig.png"> <a href="mailto:a@b.c">mail</a> <a href="sub/">folder</a>\n'
        "</body></html>"
    )
    (tmp_path / "sub" / "page.html").write_text(
        '<p id="part">x</p><a href="../index.html#top">back</a><a name="old"></a><a href="#old">ok</a>'
    )
    (tmp_path / "sub" / "index.html").write_text("<p>folder index</p>")
    return tmp_path


def test_a_sound_site_has_no_broken_link(site, capsys):
    assert check_links.broken_links(site) == []
    assert check_links.main([str(site)]) == 0
    assert "0 broken internal link(s) in 3 pages" in capsys.readouterr().out


def test_missing_files_and_anchors_are_reported(site, capsys):
    (site / "sub" / "page.html").write_text(
        '<p id="part"></p><a href="../nope.html">a</a>\n'
        '<a href="../index.html#gone">b</a>\n'
        '<img src="../_images/none.png">'
    )
    problems = check_links.broken_links(site)
    assert problems == [
        "sub/page.html:1: ../nope.html (no such file)",
        "sub/page.html:2: ../index.html#gone (no anchor #gone in index.html)",
        "sub/page.html:3: ../_images/none.png (no such file)",
    ]
    assert check_links.main([str(site)]) == 1
    assert "3 broken internal link(s)" in capsys.readouterr().out


def test_usage_without_a_built_site(tmp_path, capsys):
    assert check_links.main([str(tmp_path)]) == 2
    assert "usage:" in capsys.readouterr().err
