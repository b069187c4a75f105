"""Hyperparameter search at the speed of one network.

:class:`GridSearchCV` and :class:`RandomizedSearchCV` are drop-ins for
scikit-learn's classes of the same names (same arguments, same
``cv_results_``, ``best_*`` attributes, refit, scoring, error handling). With
an sknn_hp ``MLPClassifier``/``MLPRegressor``, or a ``Pipeline`` ending in
one, they train the candidates x folds of the search together:

- the steps before the network are fitted once per split (and per distinct
  setting of their parameters) and their output is shared;
- the (candidate, split) fits are grouped by what one stacked network needs to
  be equal: input width, dtype, number of outputs and loss (each candidate's
  own), device, depth, activations, solver, ``batch_size``, ``shuffle``,
  ``early_stopping``, ``nesterovs_momentum``, ``label_smoothing``,
  ``huber_delta`` and the activation knobs. The rest is per member
  (``learning_rate_init``, ``alpha``, ``l1_ratio``, ``momentum``, ``beta_1``,
  ``beta_2``, ``epsilon``, the schedule and its knobs, ``tol``,
  ``n_iter_no_change``, ``max_iter``, ``validation_fraction``, ``monitor``,
  ``random_state``, ``class_weight``, ``clip_norm``, ``clip_value``...), and hidden widths may
  differ: narrower members are padded with units held at exactly zero. Every estimator parameter is
  classified in :data:`._batched.PARAMETERS`; one it does not list makes the
  pair fit the ordinary way;
- each group trains as one network with ``torch.bmm`` over stacked weights
  (:mod:`sknn_hp.model_selection._batched`); every member draws its initial
  weights, validation split and batch order as its standalone ``fit`` would,
  and follows its standalone stopping rule, early stopping, schedule and
  divergence check. With float64 data each member's weights equal its
  standalone fit's to rounding, so the per-split scores equal scikit-learn's
  ``GridSearchCV`` over the same estimator;
- scoring, ``cv_results_`` and refit are scikit-learn's own code; the
  estimator a scorer receives holds the member's fit committed as a standalone
  ``fit`` commits it (``loss_``, ``n_iter_``, ``loss_curve_``...), and
  ``verbose`` prints scikit-learn's progress lines;
- the groups and the ordinary fits run through scikit-learn's
  ``sklearn.utils.parallel.Parallel``, which carries the caller's
  configuration (metadata routing) and warning filters into the workers.

Dropout (hidden and input) is batched too: each member draws its masks from
its own dropout stream, in its standalone step's order and shapes, so even
with dropout the per-split scores equal scikit-learn's search. So are row
weights: the ``sample_weight`` fit parameter of the search (for a Pipeline,
the final MLP's), each split's share of it, times each member's own
``class_weight``.

Fitted the ordinary way (one by one, through joblib with ``n_jobs``):
solvers other than ``'adam'``, ``'adamw'``, ``'nadam'`` and ``'sgd'``, batch
norm, residual connections, PReLU, ``init_from``, ``freeze_layers``, ``callbacks``, ``diagnostics``,
``mixed_precision``, ``compile``, ``deterministic=True``, ``verbose>=2``, the
raw-table options, sparse inputs, fit parameters other than the MLP's
``sample_weight``, groups of
one member, and any member that diverges. A group larger than ``max_group_bytes`` (1 GiB by default) is split.
"""

from ._search import GridSearchCV, RandomizedSearchCV

__all__ = ["GridSearchCV", "RandomizedSearchCV"]
