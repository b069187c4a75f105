"""Reading a CSV file into a DataFrame, with one-line errors."""

import os

from ._errors import TabularError, _first_line

__all__ = ["read_csv"]


def read_csv(path):
    """Read a CSV file with a header row.

    Parameters
    ----------
    path : str or path
        The file.

    Returns
    -------
    df : pandas.DataFrame
        At least one row.

    Raises
    ------
    TabularError
        When the file is missing, a directory, unreadable, not parseable as CSV, or has no rows.
    """
    import pandas as pd

    path = os.fspath(path)
    if not os.path.exists(path):
        raise TabularError(f"no such file: {path}")
    if os.path.isdir(path):
        raise TabularError(f"{path} is a directory, not a CSV file")
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise TabularError(f"cannot parse {path} as CSV: {_first_line(exc)}") from exc
    except OSError as exc:
        raise TabularError(f"cannot read {path}: {exc.strerror or _first_line(exc)}") from exc
    if df.shape[0] == 0:
        raise TabularError(f"{path} has no data rows")
    return df
