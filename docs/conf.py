"""Sphinx configuration of the sknn_hp documentation.

Build (CI runs it with warnings as errors)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The Markdown pages (``docs/*.md``) are read by myst-parser.

- ``api.rst`` is completed at build time, so that it cannot fall behind the code: one section per
  public module of ``sknn_hp`` (every module or subpackage whose name does not start with an
  underscore, found on disk, so a new module is documented without editing this file), each rendered by ``automodule``
  from the names in its ``__all__``, with numpydoc docstrings.
- The examples gallery is sphinx-gallery's: every ``examples/plot_*.py`` is **run** during the
  build and its page shows the script's text, its printed output and its matplotlib figures. The
  examples run in quick mode (``SKNN_HP_QUICK=1``, the default here; set ``SKNN_HP_QUICK=0`` for
  the full runs). sphinx-gallery writes the generated pages to ``docs/auto_examples/`` (git-ignored).

After a build, ``python docs/check_links.py docs/_build/html`` checks that every link inside the
site resolves (CI runs it).
"""

import importlib
import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")
# The gallery runs every example: in quick mode unless asked otherwise, and on one thread per
# library (set before torch and numpy load): the quick examples train small networks, for which one
# thread is fastest, and several threads per library slow a busy two-core machine down many times.
os.environ.setdefault("SKNN_HP_QUICK", "1")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

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
    "sphinx_gallery.gen_gallery",
]

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",  # run every plot_*.py
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib",),
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "plot_gallery": "True",
    # An example that raises fails the build (with -W), as the examples step of CI did.
    "only_warn_on_example_error": False,
}

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb", "auto_examples/*.py"]
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


GENERATED = {"api": api_rst}
MARKER = ".. generated-below\n"


def _fill_generated(app, docname, source):
    if docname not in GENERATED:
        return
    builder = GENERATED[docname]
    source[0] = source[0].replace(MARKER, builder())


def _always_reread(app, env, added, changed, removed):
    # The generated page depends on files Sphinx does not track (the module list).
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
