"""Sphinx configuration of the sknn_hp documentation.

Build (CI runs it with warnings as errors)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The Markdown pages (``docs/*.md``) are read by myst-parser. Two pages are completed at build time,
so that they cannot fall behind the code and nothing generated is written into the source tree:

- ``api.rst``: one section per public module of ``sknn_hp`` (every module or subpackage whose name
  does not start with an underscore, found on disk, so a new module is documented without editing this file),
  each rendered by ``automodule`` from the names in its ``__all__``, with numpydoc docstrings;
- ``gallery.rst``: one section per ``examples/plot_*.py``, with the script's docstring and its
  source (the examples are not run during the build).
"""

import ast
import importlib
import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")

import sknn_hp  # noqa: E402

project = "sknn_hp"
author = "sknn_hp developers"
copyright = "sknn_hp developers"
release = sknn_hp.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
html_theme = "alabaster"
html_static_path = []

# myst: "[Early stopping](#early-stopping)" style links between and within pages.
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]

autodoc_default_options = {"members": True, "undoc-members": True, "show-inheritance": False,
                          "no-value": True}  # registries' reprs are long and unreadable
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # numpydoc sections carry the types
autosummary_generate = False  # nothing is written into the source tree
numpydoc_show_class_members = False  # autodoc's :members: documents the methods
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Modules that are implementation details even though their name is public.
PRIVATE_MODULES = {"sknn_hp.__main__"}


def public_modules():
    """Names of the public modules and subpackages of ``sknn_hp``, in file-name order."""
    names = []
    paths = list((ROOT / "sknn_hp").glob("*.py")) + [p.parent for p in (ROOT / "sknn_hp").glob("*/__init__.py")]
    for path in sorted(paths, key=lambda p: p.stem):
        name = f"sknn_hp.{path.stem}"
        if path.stem.startswith("_") or name in PRIVATE_MODULES:
            continue
        names.append(name)
    return names


def _heading(text, char):
    return f"{text}\n{char * len(text)}\n"


def api_rst():
    """The generated part of ``api.rst``."""
    parts = [_heading("sknn_hp", "-")]
    parts.append(".. automodule:: sknn_hp\n   :no-members:\n\n.. currentmodule:: sknn_hp\n")
    reexported = []
    for name in sknn_hp.__all__:
        obj = getattr(sknn_hp, name)
        home = getattr(obj, "__module__", "sknn_hp") or "sknn_hp"
        if name == "__version__":
            parts.append(f".. data:: __version__\n\n   The package version, ``{sknn_hp.__version__}``.\n")
        elif home.split(".")[-1].startswith("_"):
            # Defined in a private module: documented here, under its public name.
            kind = "autoclass" if isinstance(obj, type) else "autofunction"
            parts.append(f".. {kind}:: {name}\n")
        else:
            reexported.append((name, home))
    if reexported:
        parts.append("Also importable from ``sknn_hp``, documented with their module:\n")
        for name, home in reexported:
            obj = getattr(sknn_hp, name)
            role = "class" if isinstance(obj, type) else "func"
            parts.append(f"- ``sknn_hp.{name}``: :{role}:`{home}.{name}`")
        parts.append("")
    for module in public_modules():
        importlib.import_module(module)
        parts.append(_heading(module, "-"))
        parts.append(_module_rst(module))
    return "\n".join(parts) + "\n"


def _module_rst(name):
    """``automodule`` for the docstring, then one directive per name of ``__all__``.

    Data (the registries) are shown without their value: the reprs of dictionaries of lambdas and
    dataclasses are long and unreadable; the module docstrings tabulate them instead.
    """
    module = importlib.import_module(name)
    lines = [f".. automodule:: {name}\n   :no-members:\n", f".. currentmodule:: {name}\n"]
    for member in getattr(module, "__all__", []):
        obj = getattr(module, member)
        if isinstance(obj, type):
            lines.append(f".. autoclass:: {member}\n")
        elif callable(obj):
            lines.append(f".. autofunction:: {member}\n")
        else:
            lines.append(f".. autodata:: {member}\n   :no-value:\n")
    return "\n".join(lines)


def _example_title_and_body(path):
    """Split an example's docstring into its title and the rest (reStructuredText)."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    lines = doc.strip("\n").splitlines()
    # sphinx-gallery style: "====\nTitle\n====" or "Title\n====" at the top.
    if len(lines) >= 3 and set(lines[0]) == {"="} and set(lines[2]) == {"="}:
        return lines[1].strip(), "\n".join(lines[3:]).strip("\n")
    if len(lines) >= 2 and lines[1] and set(lines[1]) <= {"=", "-"}:
        return lines[0].strip(), "\n".join(lines[2:]).strip("\n")
    return path.stem, "\n".join(lines)


def example_paths():
    return sorted((ROOT / "examples").glob("plot_*.py"))


def gallery_rst(env=None):
    """The generated part of ``gallery.rst``: every example's docstring and source."""
    parts = []
    paths = example_paths()
    parts.append("Examples:\n")
    for path in paths:
        title, _ = _example_title_and_body(path)
        parts.append(f"- :ref:`{path.stem}`: {title}")
    parts.append("")
    for path in paths:
        if env is not None:
            env.note_dependency(str(path))
        title, body = _example_title_and_body(path)
        parts.append(f".. _{path.stem}:\n")
        parts.append(_heading(title, "-"))
        parts.append(f"``examples/{path.name}``\n")
        parts.append(body + "\n")
        parts.append(f".. literalinclude:: ../examples/{path.name}\n   :language: python\n"
                     f"   :lines: {_first_code_line(path)}-\n")
    return "\n".join(parts) + "\n"


def _first_code_line(path):
    """The first line after the module docstring (the docstring is shown as text above)."""
    module = ast.parse(path.read_text(encoding="utf-8"))
    if module.body and isinstance(module.body[0], ast.Expr) and isinstance(module.body[0].value, ast.Constant):
        return module.body[0].end_lineno + 1
    return 1


GENERATED = {"api": api_rst, "gallery": gallery_rst}
MARKER = ".. generated-below\n"


def _fill_generated(app, docname, source):
    if docname not in GENERATED:
        return
    builder = GENERATED[docname]
    text = builder(app.env) if docname == "gallery" else builder()
    source[0] = source[0].replace(MARKER, text)


def _always_reread(app, env, added, changed, removed):
    # The generated pages depend on files Sphinx does not track (module list, examples).
    return [name for name in GENERATED if name in env.found_docs]


def _skip_member(app, what, name, obj, skip, options):
    # ``set_fit_request`` & co. are generated by scikit-learn's metadata routing; their docstrings
    # point into scikit-learn's own documentation (glossary terms, labels) and say nothing specific
    # to these estimators. The API page links to scikit-learn's description instead.
    if what == "class" and name.startswith("set_") and name.endswith("_request"):
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
    app.connect("source-read", _fill_generated)
    app.connect("env-get-outdated", _always_reread)
    return {"parallel_read_safe": True}
