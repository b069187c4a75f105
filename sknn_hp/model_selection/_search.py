"""GridSearchCV and RandomizedSearchCV whose candidates x folds train as batched networks.

``fit`` follows scikit-learn's ``BaseSearchCV.fit`` step for step (scorers,
metadata routing, ``cv_results_`` built by scikit-learn's own
``_format_results``, best-candidate selection, refit); only the evaluation of
(candidate, split) pairs differs: :func:`_plan` sorts them into batched groups
and ordinary fits, the groups train in :mod:`._batched`, and every pair is then
scored by scikit-learn's own ``_fit_and_score``, the batched ones with an
estimator that already holds the member's fitted weights.
"""

import numbers
import threading
import time
import warnings
from collections import defaultdict
from inspect import signature
from itertools import product

import numpy as np
import scipy.sparse as sp
from joblib import logger as joblib_logger
from sklearn import model_selection as _sk
from sklearn.base import clone, is_classifier
from sklearn.model_selection._split import check_cv
from sklearn.model_selection._validation import (
    _fit_and_score,
    _insert_error_scores,
    _warn_or_raise_about_fit_failures,
)
from sklearn.metrics._scorer import _MultimetricScorer
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import _check_method_params, indexable
from sklearn.utils.metaestimators import _safe_split
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils._param_validation import Interval

from .._base import BaseMLP
from .._runtime import one_thread_if_forked, resolve_device
from ._batched import TrainData, group_key, member_bytes, train_group, unbatchable_reason

__all__ = ["GridSearchCV", "RandomizedSearchCV"]

#: Default memory budget of one batched group, in bytes (see :func:`._batched.member_bytes`).
DEFAULT_GROUP_BYTES = 2**30


class _Prefitted:
    """``fit`` of an estimator that already holds a batched member's weights: does nothing."""

    def __init__(self, estimator):
        self.estimator = estimator

    def __call__(self, *args, **kwargs):
        return self.estimator


def _hashable(value):
    try:
        hash(value)
        return value
    except TypeError:
        return ("unhashable", repr(value))


def _final_step(estimator):
    """(name of the final step or None, the final estimator)."""
    if isinstance(estimator, Pipeline):
        name, last = estimator.steps[-1]
        return name, last
    return None, estimator


class _Pair:
    """One (candidate, split) of the search and how it is evaluated."""

    __slots__ = ("cand", "split", "params", "estimator", "final", "data", "result", "fit_time")

    def __init__(self, cand, split, params):
        self.cand, self.split, self.params = cand, split, params
        self.estimator = self.final = self.data = self.result = None
        self.fit_time = 0.0


class _Dataset:
    """A split's training data after the pipeline's leading steps, and the template estimator scoring uses."""

    def __init__(self, split, pre_steps, template, train_data):
        self.split = split
        self.pre_steps = pre_steps
        self.template = template
        self.train_data = train_data
        self.prep_time = 0.0


def _final_fit_params(estimator, fit_params):
    """The fit parameters ``estimator``'s final step receives, or None when a leading step receives any.

    A Pipeline routes them as its ``fit`` does (``step__param`` names, or metadata routing).
    """
    name, _ = _final_step(estimator)
    if name is None:
        return dict(fit_params)
    if getattr(estimator, "transform_input", None):  # metadata transformed by the leading steps
        return None
    routed = estimator._check_method_params(method="fit", props=fit_params)
    for step_name, _ in estimator.steps[:-1]:
        if any(routed.get(step_name, {}).values()):
            return None
    return dict(routed[name]["fit"])


def _prepare_dataset(pair, X, y, train, fit_params=None):
    """Fit the leading steps on the split, and a template of the final estimator; a :class:`_Dataset`.

    None when the split cannot be batched: sparse inputs, or fit parameters other than the final
    estimator's ``sample_weight`` (which become the split's weights, as ``_fit_and_score`` splits them).
    """
    start = time.time()
    est = pair.estimator
    sample_weight = None
    if fit_params:
        routed = _final_fit_params(est, _check_method_params(X, params=fit_params, indices=train))
        if routed is None or set(routed) != {"sample_weight"}:
            return None
        sample_weight = routed["sample_weight"]
    X_train, y_train = _safe_split(est, X, y, train)
    final_name, final = _final_step(est)
    pre_steps = []
    if final_name is not None:
        head = clone(Pipeline(est.steps[:-1]))
        Xt = head.fit_transform(X_train, y_train)
        pre_steps = head.steps
    else:
        Xt = X_train
    if sp.issparse(Xt):
        return None
    # a fitted estimator of the right kind (feature names included), fitted cheaply; the members'
    # weights replace its network
    template = clone(final).set_params(
        max_iter=1, batch_size="full", early_stopping=False, solver="adam", verbose=0, warm_start=False
    )
    if getattr(template, "class_weight", None) is not None:  # each member's own (the template's is not read)
        template.set_params(class_weight=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        template.fit(Xt, y_train)
        Xt, y_checked = template._validate_input(Xt, y_train, False, reset=False)
    target = template._encode_target(y_checked)
    if sample_weight is not None:
        sample_weight = template._check_weights(sample_weight, Xt)
    n_outputs = target.shape[1] if target.ndim == 2 else len(template.classes_)
    data = TrainData(Xt, target, max(n_outputs, 1), template._loss_name(), y=y_checked, sample_weight=sample_weight)
    dataset = _Dataset(pair.split, pre_steps, template, data)
    dataset.prep_time = time.time() - start
    return dataset


def _plan(base_estimator, candidate_params, cv_splits, X, y, fit_params, batched, max_bytes):
    """Sort the (candidate, split) pairs into batched groups and ordinary fits.

    Returns ``(pairs, groups, datasets)``: ``groups`` is a list of lists of
    pairs, each trained as one batched network; pairs in no group are fitted
    the ordinary way.
    """
    pairs = [_Pair(c, s, p) for (c, p), (s, _) in product(enumerate(candidate_params), enumerate(cv_splits))]
    _, final = _final_step(base_estimator)
    if not batched or not isinstance(final, BaseMLP) or sp.issparse(X):
        return pairs, [], []
    if y is None:
        return pairs, [], []
    datasets, by_data = [], {}
    for pair in pairs:
        try:
            est = clone(base_estimator).set_params(**clone(pair.params, safe=False))
        except Exception:
            continue  # the ordinary fit reports it
        name, final = _final_step(est)
        if not isinstance(final, BaseMLP) or unbatchable_reason(final) is not None:
            continue
        if name is not None:  # candidates that change a leading step get their own data
            pre_key = tuple(sorted((k, _hashable(v)) for k, v in pair.params.items() if not k.startswith(name + "__")))
        else:
            pre_key = ()
        pair.estimator, pair.final = est, final
        key = (pair.split, pre_key)
        if key not in by_data:
            try:
                dataset = _prepare_dataset(pair, X, y, cv_splits[pair.split][0], fit_params)
            except Exception:
                dataset = None
            by_data[key] = None if dataset is None else len(datasets)
            if dataset is not None:
                datasets.append(dataset)
        pair.data = by_data[key]
    grouped = defaultdict(list)
    for pair in pairs:
        if pair.data is None or pair.final is None:
            continue
        try:
            key = group_key(pair.final, datasets[pair.data].train_data)
        except Exception:
            continue
        grouped[key].append(pair)
    groups = []
    for same_layout in grouped.values():
        for members in _by_width(same_layout, datasets):
            if len(members) < 2:
                continue
            groups.extend(_by_memory(members, datasets, max_bytes))
    groups = [g for g in groups if len(g) >= 2]
    # longest first (joblib hands tasks out in order): parallel workers then finish together
    groups.sort(key=lambda g: _group_work(g, datasets), reverse=True)
    return pairs, groups, datasets


def _group_work(group, datasets):
    """A group's estimated training arithmetic: per member, rows x multiply-adds per row x epochs."""
    data = datasets[group[0].data].train_data
    ends = (data.X.shape[1],), (data.n_outputs,)
    widest = tuple(max(sizes) for sizes in zip(*(p.final._hidden_sizes() for p in group)))
    per_row = _cost(ends[0] + widest + ends[1])
    return sum(per_row * len(datasets[p.data].train_data.X) * p.final.max_iter for p in group)


#: Members of different widths share a group while padding costs at most this share of extra arithmetic.
PADDING_WASTE = 0.3
#: Smaller sets of members of one width join a padded group whatever the waste.
_SMALL = 4


def _cost(widths):
    return sum(a * b for a, b in zip(widths[:-1], widths[1:]))


def _by_width(pairs, datasets):
    """Split one layout's members into groups whose padding wastes at most PADDING_WASTE of the arithmetic."""
    buckets = defaultdict(list)
    for pair in pairs:
        buckets[tuple(pair.final._hidden_sizes())].append(pair)
    data = datasets[pairs[0].data].train_data
    ends = (data.X.shape[1],), (data.n_outputs,)

    def cost(hidden):
        return _cost(ends[0] + tuple(hidden) + ends[1])

    groups, current, widest = [], [], None
    for hidden in sorted(buckets, key=cost):
        members = buckets[hidden]
        if current:
            merged = tuple(max(a, b) for a, b in zip(widest, hidden))
            actual = sum(cost(tuple(p.final._hidden_sizes())) for p in current) + cost(hidden) * len(members)
            padded = cost(merged) * (len(current) + len(members))
            if padded > (1 + PADDING_WASTE) * actual and len(current) >= _SMALL and len(members) >= _SMALL:
                groups.append(current)
                current, widest = [], None
        current = current + members
        widest = hidden if widest is None else tuple(max(a, b) for a, b in zip(widest, hidden))
    if current:
        groups.append(current)
    return groups


def _by_memory(members, datasets, max_bytes):
    """Split a group so that each part's estimated memory stays under ``max_bytes``."""
    groups, chunk, used = [], [], 0
    for pair in members:
        size = member_bytes(pair.final, datasets[pair.data].train_data)
        if chunk and used + size > max_bytes:
            groups.append(chunk)
            chunk, used = [], 0
        chunk.append(pair)
        used += size
    groups.append(chunk)
    return groups


def _group_task(group, datasets):
    """``_train``'s arguments for one group: its estimators, and the training data of its splits only."""
    used = sorted({pair.data for pair in group})
    position = {d: i for i, d in enumerate(used)}
    return [p.final for p in group], [position[p.data] for p in group], [datasets[d].train_data for d in used]


def _train(estimators, data_indices, datas):
    """One group, as a joblib task.

    With ``n_jobs`` None or 1 it runs in the calling thread with torch's
    threads as they are set. With ``n_jobs`` > 1 it runs in a worker process
    (joblib's default, loky, gives each one torch thread when the workers
    fill the cores); in a worker *thread* (joblib's threading backend,
    chosen by the caller) it uses one torch thread, so that n groups train
    side by side on n cores without OpenMP threads fighting for them.
    In a forked worker process (joblib's ``"multiprocessing"`` backend) it
    also uses one torch thread, set before any torch op: see
    :func:`sknn_hp._runtime.one_thread_if_forked`.
    """
    import torch

    forked = one_thread_if_forked()
    in_worker_thread = threading.current_thread() is not threading.main_thread() and not forked
    before = torch.get_num_threads()
    if in_worker_thread:
        torch.set_num_threads(1)  # OpenMP's thread count is per thread: the caller's is untouched
    try:
        return train_group(estimators, data_indices, datas)
    except Exception:  # the ordinary fits of the group's pairs report (or raise) what went wrong
        return [None] * len(estimators), 0.0
    finally:
        if in_worker_thread:
            torch.set_num_threads(before)


def _fit_and_score_task(*args, **kwargs):
    """scikit-learn's ``_fit_and_score`` as a joblib task; one torch thread in a forked worker process.

    The search has run torch in this process before it dispatches (the templates of
    :func:`_plan`; in a search that evaluates candidates in rounds, the earlier rounds' scoring),
    so a worker forked from it must not start an OpenMP team
    (:func:`sknn_hp._runtime.one_thread_if_forked`).
    """
    one_thread_if_forked()
    return _fit_and_score(*args, **kwargs)


def _scoring_estimator(pair, dataset):
    """The template of ``pair``'s split holding the member's fit (and its Pipeline), as a standalone fit leaves it.

    The template holds what depends on the split's data only (``classes_``,
    ``n_features_in_``, ``feature_names_in_``...); the member's parameters,
    network and training state replace everything else through
    ``BaseMLP._commit_fit``, the commit of a standalone ``fit``: a scorer reads
    the member's own ``loss_``, ``n_iter_``, ``loss_curve_``, ``coefs_``...
    """
    template = dataset.template
    result = pair.result
    template.set_params(**pair.final.get_params(deep=False))
    data = dataset.train_data
    n_features, n_outputs = data.X.shape[1], data.n_outputs
    dtype, device = template._compute_dtype(data.X.dtype), resolve_device(template.device)
    module = template._new_module(n_features, n_outputs, dtype, device)
    module.load_state_dict(result["state_dict"])
    state = result["state"]
    net, _ = template._build_net(module, result["n_train"], result["batch_size"], None, device, state.lr_factor)
    net.train_split = None  # as a standalone fit leaves it
    template._commit_fit(net, state, state.last_loss(), n_outputs, result["random_state"])
    template.fit = _Prefitted(template)
    if not dataset.pre_steps:
        return template
    pipeline = clone(pair.estimator)
    pipeline.steps = list(dataset.pre_steps) + [(pipeline.steps[-1][0], template)]
    pipeline.fit = _Prefitted(pipeline)
    return pipeline


def _progress_prefix(verbose, split_progress, candidate_progress):
    """The ``[CV ...]`` prefix of scikit-learn's ``_fit_and_score`` progress lines."""
    progress = ""
    if verbose > 2:
        progress = f" {split_progress[0] + 1}/{split_progress[1]}"
        if verbose > 9:
            progress += f"; {candidate_progress[0] + 1}/{candidate_progress[1]}"
    return f"[CV{progress}]"


def _params_message(parameters):
    return ", ".join(f"{k}={parameters[k]}" for k in sorted(parameters))


def _print_start(verbose, parameters, split_progress, candidate_progress):
    """scikit-learn's ``[CV] START ...`` line (``verbose > 9``) of a batched pair."""
    if verbose > 9:
        prefix = _progress_prefix(verbose, split_progress, candidate_progress)
        start_msg = f"{prefix} START {_params_message(parameters)}"
        print(f"{start_msg}{(80 - len(start_msg)) * '.'}")


def _print_end(verbose, parameters, split_progress, candidate_progress, result, return_train_score):
    """scikit-learn's ``[CV] END ...`` line (``verbose > 1``) of a batched pair, its fit time the member's share."""
    if verbose <= 1:
        return
    end_msg = f"{_progress_prefix(verbose, split_progress, candidate_progress)} END "
    params_msg = _params_message(parameters)
    result_msg = params_msg + (";" if params_msg else "")
    test_scores = result["test_scores"]
    if verbose > 2:
        if isinstance(test_scores, dict):
            for name in sorted(test_scores):
                result_msg += f" {name}: ("
                if return_train_score:
                    result_msg += f"train={result['train_scores'][name]:.3f}, "
                result_msg += f"test={test_scores[name]:.3f})"
        else:
            result_msg += ", score="
            if return_train_score:
                result_msg += f"(train={result['train_scores']:.3f}, test={test_scores:.3f})"
            else:
                result_msg += f"{test_scores:.3f}"
    total_time = result["fit_time"] + result["score_time"]
    result_msg += f" total time={joblib_logger.short_format_time(total_time)}"
    end_msg += "." * (80 - len(end_msg) - len(result_msg))
    print(end_msg + result_msg)


class _BatchedSearchMixin:
    """``fit`` of the batched searches (see the module docstring)."""

    def fit(self, X, y=None, **params):
        """Run fit with all sets of parameters.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training vectors.
        y : array-like of shape (n_samples, n_output) or (n_samples,), default=None
            Target relative to X for classification or regression.
        **params : dict of str -> object
            Parameters passed to the ``fit`` method of the estimator, the
            scorer and the CV splitter, as scikit-learn's search routes them.
            The MLP's ``sample_weight`` (each split's share of it) trains in
            the batched groups; with any other fit parameter the pairs are
            fitted one by one.

        Returns
        -------
        self : object
            Instance of fitted estimator.
        """
        self._validate_params()
        scorers, refit_metric = self._get_scorers()
        X, y = indexable(X, y)
        params = _check_method_params(X, params=params)
        routed_params = self._get_routed_params_for_fit(params)
        root_ctx = None
        if hasattr(self, "_init_callback_context"):  # scikit-learn >= 1.9's callback contexts
            root_ctx = self._init_callback_context(max_subtasks=1 + (self.refit is not False))
            root_ctx = root_ctx.call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=None)
        cv_orig = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        if hasattr(self, "_check_input_parameters"):
            self._check_input_parameters(X=X, y=y, split_params=routed_params.splitter.split)
        n_splits = cv_orig.get_n_splits(X, y, **routed_params.splitter.split)
        self._checked_cv_orig = cv_orig
        self.n_splits_ = n_splits
        base_estimator = clone(self.estimator)
        parallel = Parallel(n_jobs=self.n_jobs, pre_dispatch=self.pre_dispatch)
        fit_and_score_kwargs = dict(
            scorer=scorers,
            fit_params=routed_params.estimator.fit,
            score_params=routed_params.scorer.score,
            return_train_score=self.return_train_score,
            return_n_test_samples=True,
            return_times=True,
            return_parameters=False,
            error_score=self.error_score,
            verbose=self.verbose,
        )
        results = {}
        self.batched_fits_ = 0
        # No `with parallel:` around the search, unlike scikit-learn's: the batched groups go through a
        # second Parallel, and under a backend chosen by the caller both Parallels share that backend's
        # one instance. With a backend that holds a pool (Ray's), the groups' Parallel would replace, then
        # close, the pool of an outer Parallel kept open by `with`, and the ordinary fits would then fail.
        # Each call sets up and closes the backend itself (loky's executor is reused across calls anyway).
        all_candidate_params, all_out = [], []
        all_more_results = defaultdict(list)

        def evaluate_candidates(candidate_params, cv=None, more_results=None, callback_ctx=None):
            cv = cv or cv_orig
            candidate_params = list(candidate_params)
            n_candidates = len(candidate_params)
            cv_splits = list(cv.split(X, y, **routed_params.splitter.split))
            if len(cv_splits) != n_splits:
                raise ValueError(
                    f"cv.split and cv.get_n_splits return inconsistent results. "
                    f"Expected {n_splits} splits, got {len(cv_splits)}"
                )
            if self.verbose > 0:
                print(
                    "Fitting {0} folds for each of {1} candidates,"
                    " totalling {2} fits".format(n_splits, n_candidates, n_candidates * n_splits)
                )
            out = self._evaluate(
                base_estimator, candidate_params, cv_splits, X, y, routed_params, parallel, fit_and_score_kwargs
            )
            if len(out) < 1:
                raise ValueError(
                    "No fits were performed. Was the CV iterator empty? Were there no candidates?"
                )
            _warn_or_raise_about_fit_failures(out, self.error_score)
            if callable(self.scoring):
                _insert_error_scores(out, self.error_score)
            all_candidate_params.extend(candidate_params)
            all_out.extend(out)
            if more_results is not None:
                for key, value in more_results.items():
                    all_more_results[key].extend(value)
            nonlocal results
            results = self._format_results(all_candidate_params, n_splits, all_out, all_more_results)
            return results

        if root_ctx is not None and "callback_ctx" in signature(self._run_search).parameters:
            self._run_search(evaluate_candidates, callback_ctx=root_ctx)
        else:
            self._run_search(evaluate_candidates)
        first_test_score = all_out[0]["test_scores"]
        self.multimetric_ = isinstance(first_test_score, dict)
        if callable(self.scoring) and self.multimetric_:
            self._check_refit_for_multimetric(first_test_score)
            refit_metric = self.refit

        if self.refit or not self.multimetric_:
            self.best_index_ = self._select_best_index(self.refit, refit_metric, results)
            if not callable(self.refit):
                self.best_score_ = results[f"mean_test_{refit_metric}"][self.best_index_]
            self.best_params_ = results["params"][self.best_index_]

        if self.refit:
            self.best_estimator_ = clone(base_estimator).set_params(**clone(self.best_params_, safe=False))
            refit_start_time = time.time()
            if y is not None:
                self.best_estimator_.fit(X, y, **routed_params.estimator.fit)
            else:
                self.best_estimator_.fit(X, **routed_params.estimator.fit)
            self.refit_time_ = time.time() - refit_start_time
            if hasattr(self.best_estimator_, "feature_names_in_"):
                self.feature_names_in_ = self.best_estimator_.feature_names_in_

        self.scorer_ = scorers._scorers if isinstance(scorers, _MultimetricScorer) else scorers
        self.cv_results_ = results
        if root_ctx is not None:
            root_ctx.call_on_fit_task_end(estimator=self, X=X, y=y, metadata=None)
        return self

    def _evaluate(self, base_estimator, candidate_params, cv_splits, X, y, routed_params, parallel, kwargs):
        """The ``_fit_and_score`` results of every (candidate, split), in scikit-learn's order."""
        n_candidates, n_splits = len(candidate_params), len(cv_splits)
        pairs, groups, datasets = _plan(
            base_estimator, candidate_params, cv_splits, X, y, routed_params.estimator.fit,
            self.batched, self.max_group_bytes,
        )
        if groups:
            # processes by default, as the ordinary fits: with n_jobs > 1 each worker runs one torch
            # thread, and many small groups (a randomized search's) spend much of their time in Python,
            # which threads would serialize on the GIL (measured, docs/performance.md); a backend chosen
            # by the caller (Dask, Ray...) takes them as any joblib task. Each task carries only the
            # training data of its own members' splits.
            group_parallel = Parallel(n_jobs=self.n_jobs, pre_dispatch=self.pre_dispatch, prefer="processes")
            trained = group_parallel(delayed(_train)(*_group_task(group, datasets)) for group in groups)
            for group, (results, seconds) in zip(groups, trained):
                for pair, result in zip(group, results):
                    pair.result = result
                    pair.fit_time = seconds / len(group) + datasets[pair.data].prep_time / n_candidates
        out = [None] * len(pairs)
        ordinary = [i for i, pair in enumerate(pairs) if pair.result is None]
        fitted = parallel(
            delayed(_fit_and_score_task)(
                clone(base_estimator),
                X,
                y,
                train=cv_splits[pairs[i].split][0],
                test=cv_splits[pairs[i].split][1],
                parameters=pairs[i].params,
                split_progress=(pairs[i].split, n_splits),
                candidate_progress=(pairs[i].cand, n_candidates),
                **kwargs,
            )
            for i in ordinary
        )
        for i, result in zip(ordinary, fitted):
            out[i] = result
        for i, pair in enumerate(pairs):
            if pair.result is None:
                continue
            progress = (pair.split, n_splits), (pair.cand, n_candidates)
            _print_start(kwargs["verbose"], pair.params, *progress)
            estimator = _scoring_estimator(pair, datasets[pair.data])
            result = _fit_and_score(
                estimator,
                X,
                y,
                train=cv_splits[pair.split][0],
                test=cv_splits[pair.split][1],
                parameters=None,
                split_progress=progress[0],
                candidate_progress=progress[1],
                **{**kwargs, "verbose": 0},  # its progress lines are printed here, with the member's fit time
            )
            result["fit_time"] = pair.fit_time
            _print_end(kwargs["verbose"], pair.params, *progress, result, kwargs["return_train_score"])
            out[i] = result
            self.batched_fits_ += 1
        return out


_EXTRA_CONSTRAINTS = {
    "batched": ["boolean"],
    "max_group_bytes": [Interval(numbers.Integral, 1, None, closed="left")],
}

_EXTRA_DOC = """
    batched : bool, default=True
        Train the (candidate, split) pairs that can share one network as
        batched groups (see :mod:`sknn_hp.model_selection`); False fits every
        pair the ordinary way, as scikit-learn's search does.
    max_group_bytes : int, default=2**30
        Memory budget of one batched group, in bytes; larger groups are split.
        A member counts 7 copies of its parameters (weights, gradient, Adam's
        moments, temporaries, best weights) and 4 x (batch rows + validation
        rows) x (the sum of its layer widths) values.

    Attributes
    ----------
    batched_fits_ : int
        How many (candidate, split) pairs were trained in batched groups; the
        others were fitted one by one.
    (and every attribute of scikit-learn's class)
"""


class GridSearchCV(_BatchedSearchMixin, _sk.GridSearchCV):
    __doc__ = (
        """Exhaustive search over a parameter grid, candidates x folds trained as batched networks.

    A drop-in for :class:`sklearn.model_selection.GridSearchCV`: the same
    parameters, ``cv_results_``, ``best_*`` attributes, refit, scoring and
    error handling. When the estimator is an sknn_hp ``MLPClassifier`` or
    ``MLPRegressor`` (or a ``Pipeline`` ending in one), the (candidate, split)
    fits that share a network layout train together in one batched network
    (:mod:`sknn_hp.model_selection`); everything else is fitted the ordinary
    way through joblib with ``n_jobs``.

    Parameters
    ----------
    estimator, param_grid, scoring, n_jobs, refit, cv, verbose, pre_dispatch, error_score, return_train_score
        As :class:`sklearn.model_selection.GridSearchCV`. ``n_jobs`` also
        runs independent batched groups in parallel.
"""
        + _EXTRA_DOC
    )

    _parameter_constraints: dict = {**_sk.GridSearchCV._parameter_constraints, **_EXTRA_CONSTRAINTS}

    def __init__(
        self,
        estimator,
        param_grid,
        *,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        error_score=np.nan,
        return_train_score=False,
        batched=True,
        max_group_bytes=DEFAULT_GROUP_BYTES,
    ):
        super().__init__(
            estimator,
            param_grid,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.batched = batched
        self.max_group_bytes = max_group_bytes


class RandomizedSearchCV(_BatchedSearchMixin, _sk.RandomizedSearchCV):
    __doc__ = (
        """Randomized search over parameter settings, candidates x folds trained as batched networks.

    A drop-in for :class:`sklearn.model_selection.RandomizedSearchCV` (the
    same parameters and results); batching as :class:`GridSearchCV`.

    Parameters
    ----------
    estimator, param_distributions, n_iter, scoring, n_jobs, refit, cv, verbose, pre_dispatch, random_state, \
error_score, return_train_score
        As :class:`sklearn.model_selection.RandomizedSearchCV`.
"""
        + _EXTRA_DOC
    )

    _parameter_constraints: dict = {**_sk.RandomizedSearchCV._parameter_constraints, **_EXTRA_CONSTRAINTS}

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_iter=10,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        random_state=None,
        error_score=np.nan,
        return_train_score=False,
        batched=True,
        max_group_bytes=DEFAULT_GROUP_BYTES,
    ):
        super().__init__(
            estimator,
            param_distributions,
            n_iter=n_iter,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            random_state=random_state,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.batched = batched
        self.max_group_bytes = max_group_bytes
