"""The one place that imports scikit-learn's private parameter-validation helpers.

``sklearn.utils._param_validation`` is private: keeping every import of it
behind this module means a future scikit-learn change touches one file.
"""

from sklearn.utils._param_validation import (  # noqa: F401
    HasMethods,
    Hidden,
    Interval,
    Options,
    StrOptions,
)
