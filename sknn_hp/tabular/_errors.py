"""The tabular tools' error type and the small text helpers of their one-line messages."""

__all__ = ["TabularError"]


class TabularError(ValueError):
    """A problem with the user's data or files, described in one line."""


def _first_line(exc):
    """The first non-empty line of an exception's message (sklearn's can be long)."""
    for line in str(exc).splitlines():
        if line.strip():
            return line.strip()
    return type(exc).__name__


def _names(items, limit=8):
    items = [str(i) for i in items]
    shown = ", ".join(repr(i) for i in items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")
