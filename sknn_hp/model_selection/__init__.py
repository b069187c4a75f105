"""Hyperparameter search at the speed of one network.

:class:`GridSearchCV` and :class:`RandomizedSearchCV` are drop-ins for
scikit-learn's classes of the same names (same arguments, same
``cv_results_``, ``best_*`` attributes, refit, scoring, error handling). With
an sknn_hp ``MLPClassifier``/``MLPRegressor``, or a ``Pipeline`` ending in
one, they train the candidates x folds of the search together:

- the steps before the network are fitted once per split (and per distinct
  setting of their parameters) and their output is shared;
- the (candidate, split) fits are grouped by what one stacked network needs to
  be equal: input width, dtype, number of outputs and loss, device, depth,
  activations, solver, ``batch_size``, ``shuffle``, ``early_stopping``,
  ``nesterovs_momentum``, ``label_smoothing``, ``huber_delta`` and the
  activation knobs. Everything else is a per-member number
  (``learning_rate_init``, ``alpha``, ``l1_ratio``, ``momentum``, ``beta_1``,
  ``beta_2``, ``epsilon``, the schedule and its knobs, ``tol``,
  ``n_iter_no_change``, ``max_iter``, ``validation_fraction``, ``monitor``,
  ``random_state``...), and hidden widths may differ: narrower members are
  padded with units held at exactly zero;
- each group trains as one network with ``torch.bmm`` over stacked weights
  (:mod:`sknn_hp.model_selection._batched`); every member draws its initial
  weights, validation split and batch order as its standalone ``fit`` would,
  and follows its standalone stopping rule, early stopping, schedule and
  divergence check. With float64 data each member's weights equal its
  standalone fit's to rounding, so the per-split scores equal scikit-learn's
  ``GridSearchCV`` over the same estimator;
- scoring, ``cv_results_`` and refit are scikit-learn's own code.

Dropout (hidden and input) is batched too: each member draws its masks from
its own dropout stream, in its standalone step's order and shapes, so even
with dropout the per-split scores equal scikit-learn's search.

Fitted the ordinary way (one by one, through joblib with ``n_jobs``):
solvers other than ``'adam'``, ``'adamw'``, ``'nadam'`` and ``'sgd'``, SELU's alpha
dropout, batch norm, residual connections, PReLU, gradient clipping,
``class_weight``, ``init_from``, ``freeze_layers``, ``callbacks``,
``diagnostics``, ``mixed_precision``, ``compile``, sparse inputs, fit
parameters (``sample_weight``), groups of one member, and any member that
diverges. A group larger than ``max_group_bytes`` (1 GiB by default) is split.
"""

from ._search import GridSearchCV, RandomizedSearchCV

__all__ = ["GridSearchCV", "RandomizedSearchCV"]
