"""sknn_hp: scikit-learn neural-network estimators with every hyperparameter exposed.

``MLPClassifier`` and ``MLPRegressor`` are drop-in supersets of scikit-learn's
multi-layer perceptrons, trained with PyTorch through skorch.
"""

from ._classifier import MLPClassifier
from ._regressor import MLPRegressor
from .exceptions import DivergenceWarning, GradientWarning
from .gradcheck import check_gradients
from .inspection import summary
from .lr_finder import find_learning_rate
from .persistence import dump_skops, load_skops
from .search import recommended, search_space

from ._version import __version__

__all__ = [
    "DivergenceWarning",
    "GradientWarning",
    "MLPClassifier",
    "MLPRegressor",
    "__version__",
    "check_gradients",
    "dump_skops",
    "find_learning_rate",
    "load_skops",
    "recommended",
    "search_space",
    "summary",
]
