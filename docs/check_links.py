"""Check that every link inside a built HTML site resolves.

Usage::

    python docs/check_links.py docs/_build/html

Every ``href`` and ``src`` of every ``.html`` file under the folder that points inside the site (no
scheme such as ``https:`` or ``mailto:``, not protocol-relative) must name a file that exists, and
its ``#fragment``, if any, an ``id`` (or ``<a name=...>``) in that file. External links are not
followed (the site is built and checked without a network). Prints one line per broken link and
exits with status 1 if there is any, 0 otherwise.
"""

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Collector(HTMLParser):
    """The anchors (ids and names) and the links (href, src) of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.anchors = set()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if attrs.get(key):
                self.anchors.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key) is not None and not (tag == "link" and attrs.get("rel") == "canonical"):
                self.links.append((self.getpos()[0], attrs[key]))


def _parse(path, cache):
    if path not in cache:
        collector = _Collector()
        collector.feed(path.read_text(encoding="utf-8", errors="replace"))
        cache[path] = collector
    return cache[path]


def broken_links(root):
    """Every link inside the site under ``root`` that does not resolve.

    Parameters
    ----------
    root : str or path
        The built site (the folder holding ``index.html``).

    Returns
    -------
    problems : list of str
        ``'page:line: link (why)'``, one per broken link, in page order.
    """
    root = Path(root).resolve()
    cache = {}
    problems = []
    for page in sorted(root.rglob("*.html")):
        for line, link in _parse(page, cache).links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                continue  # external: not checked
            where = f"{page.relative_to(root)}:{line}: {link}"
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if root not in target.parents and target != root:
                problems.append(f"{where} (outside the site)")
            elif not target.is_file():
                problems.append(f"{where} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                if unquote(parts.fragment) not in _parse(target, cache).anchors:
                    problems.append(f"{where} (no anchor #{parts.fragment} in {target.relative_to(root)})")
    return problems


def main(argv=None):
    """Check the site named on the command line; return the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or not Path(argv[0], "index.html").is_file():
        print("usage: python docs/check_links.py BUILT_SITE (a folder holding index.html)", file=sys.stderr)
        return 2
    problems = broken_links(argv[0])
    for problem in problems:
        print(problem)
    pages = sum(1 for _ in Path(argv[0]).rglob("*.html"))
    print(f"{len(problems)} broken internal link(s) in {pages} pages")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
