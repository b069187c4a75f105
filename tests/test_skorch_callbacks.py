"""skorch's own callbacks passed through ``callbacks=``: each one has an observable effect.

Every test compares what the callback did with something computed independently (the network's
weights snapshotted by a probe callback, scikit-learn's metrics on those weights, files read back
with the logger's own reader), so that a callback that silently did nothing fails.
See docs/callbacks.md.
"""

import copy
import re
import warnings

import numpy as np
import pytest
import torch
from skorch.callbacks import (
    Callback,
    Checkpoint,
    EarlyStopping,
    EpochScoring,
    Freezer,
    GradientNormClipping,
    LoadInitState,
    LRScheduler,
    PrintLog,
    ProgressBar,
    TensorBoard,
    TrainEndCheckpoint,
)
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.metrics import accuracy_score, r2_score, roc_auc_score
from sklearn.preprocessing import StandardScaler
from torch.optim.lr_scheduler import ReduceLROnPlateau, StepLR

from sknn_hp import MLPClassifier, MLPRegressor


class Probe(Callback):
    """Snapshots of the module and the data the net saw, per epoch (installed last)."""

    def on_train_begin(self, net, **kwargs):
        self.module = net.module_
        self.initial = _state(net)
        self.begin, self.end, self.valid, self.train = [], [], None, None

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        self.begin.append(_state(net))
        self.train, self.valid = dataset_train, dataset_valid

    def on_epoch_end(self, net, **kwargs):
        self.end.append(_state(net))

    def outputs(self, state, dataset):
        """Raw network outputs of the weights ``state`` on ``dataset`` (eval mode), and the targets."""
        X, target = dataset.batch(slice(None))
        module = copy.deepcopy(self.module)
        module.load_state_dict(state)
        module.eval()
        with torch.no_grad():
            return module(X).numpy(), target.numpy()


def _state(net):
    return {k: v.detach().clone() for k, v in net.module_.state_dict().items()}


def _same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(scope="module")
def binary():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


FAST = dict(hidden_layer_sizes=(8,), random_state=0, n_iter_no_change=np.inf)


# ------------------------------------------------------------------ EpochScoring
def test_epoch_scoring_valid_accuracy_equals_sklearn_on_the_epoch_weights(iris):
    probe = Probe()
    scoring = EpochScoring("accuracy", lower_is_better=False, name="valid_acc")
    clf = MLPClassifier(**FAST, max_iter=6, early_stopping=True, restore_best_weights=False,
                        callbacks=[scoring, probe]).fit(*iris)
    assert len(clf.history_) == 6
    for row, weights in zip(clf.history_, probe.end):
        out, target = probe.outputs(weights, probe.valid)
        expected = accuracy_score(target, out.argmax(axis=1))
        assert row["valid_acc"] == pytest.approx(expected, abs=1e-12)
        assert row["valid_acc"] == pytest.approx(row["valid_score"], abs=1e-12)  # our own score agrees
    assert "valid_acc_best" in clf.history_[0]


def test_epoch_scoring_on_train_scores_the_training_steps_predictions(iris):
    # Cached training predictions are those of the training step, before its update. With full
    # batches that is the weights at the start of the epoch, on the whole training set.
    probe = Probe()
    scoring = EpochScoring("accuracy", on_train=True, lower_is_better=False, name="train_acc")
    clf = MLPClassifier(**FAST, max_iter=5, batch_size="full", learning_rate_init=0.05,
                        callbacks=[scoring, probe]).fit(*iris)
    recorded = [row["train_acc"] for row in clf.history_]
    expected = []
    for weights in probe.begin:
        out, target = probe.outputs(weights, probe.train)
        expected.append(accuracy_score(target, out.argmax(axis=1)))
    np.testing.assert_allclose(recorded, expected, atol=1e-12)
    assert len(set(recorded)) > 1  # the score moves as the network trains


def test_epoch_scoring_on_train_with_mini_batches(iris):
    scoring = EpochScoring("accuracy", on_train=True, lower_is_better=False, name="train_acc")
    clf = MLPClassifier(**FAST, max_iter=30, batch_size=16, learning_rate_init=0.01,
                        callbacks=[scoring]).fit(*iris)
    acc = [row["train_acc"] for row in clf.history_]
    assert all(0 <= a <= 1 for a in acc)
    assert acc[-1] > acc[0] and acc[-1] > 0.8


def test_epoch_scoring_roc_auc_binary(binary):
    probe = Probe()
    scoring = EpochScoring("roc_auc", lower_is_better=False)
    clf = MLPClassifier(**FAST, max_iter=4, early_stopping=True, learning_rate_init=1e-3,
                        callbacks=[scoring, probe]).fit(*binary)
    for row, weights in zip(clf.history_, probe.end):
        out, target = probe.outputs(weights, probe.valid)
        expected = roc_auc_score(target.ravel(), 1 / (1 + np.exp(-out.ravel())))
        assert row["roc_auc"] == pytest.approx(expected, abs=1e-12)


def test_epoch_scoring_r2_regression(small_reg_data):
    probe = Probe()
    scoring = EpochScoring("r2", lower_is_better=False)
    reg = MLPRegressor(**FAST, max_iter=5, early_stopping=True, learning_rate_init=0.01,
                       callbacks=[scoring, probe]).fit(*small_reg_data)
    for row, weights in zip(reg.history_, probe.end):
        out, target = probe.outputs(weights, probe.valid)
        assert row["r2"] == pytest.approx(r2_score(target, out), abs=1e-10)
        assert row["r2"] == pytest.approx(row["valid_score"], abs=1e-10)


def test_epoch_scoring_without_caching_needs_a_dataset_aware_scorer(iris):
    # use_caching=False: skorch hands the scorer the TabularDataset and y=None (documented limitation);
    # a scorer that reads the dataset works.
    def dataset_accuracy(net, ds, y=None):
        X, target = ds.batch(slice(None))
        return accuracy_score(target.numpy(), net.predict(ds))

    probe = Probe()
    scoring = EpochScoring(dataset_accuracy, use_caching=False, lower_is_better=False, name="acc")
    clf = MLPClassifier(**FAST, max_iter=3, early_stopping=True, callbacks=[scoring, probe]).fit(*iris)
    assert [row["acc"] for row in clf.history_] == pytest.approx([row["valid_score"] for row in clf.history_])
    with pytest.raises(ValueError, match="y_true.*Got None"):  # a scorer name gets y=None
        MLPClassifier(**FAST, max_iter=2, early_stopping=True,
                      callbacks=[EpochScoring("accuracy", use_caching=False)]).fit(*iris)


def test_epoch_scoring_with_lbfgs(iris):
    # one call of L-BFGS is one skorch epoch; the callbacks' keys reach history_
    # (on the training data: the predictions of L-BFGS's first evaluation, skorch's StepAccumulator)
    probe = Probe()
    scoring = EpochScoring("accuracy", on_train=True, lower_is_better=False, name="train_acc")
    clf = MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=50, random_state=0,
                        callbacks=[scoring, probe]).fit(*iris)
    assert len(clf.history_) == 1
    out, target = probe.outputs(probe.initial, probe.train)
    assert clf.history_[0]["train_acc"] == pytest.approx(accuracy_score(target, out.argmax(axis=1)), abs=1e-12)
    assert clf.history_[0]["train_acc"] < clf.score(*iris)
    assert clf.history_[0]["train_loss"] == clf.loss_


# ----------------------------------------------------------------- EarlyStopping
def _expected_stop(losses, patience):
    """The epoch (1-based) at which skorch's EarlyStopping (threshold=0) raises, or None."""
    best, misses = np.inf, 0
    for epoch, loss in enumerate(losses, 1):
        if loss < best:
            best, misses = loss, 0
        else:
            misses += 1
        if misses == patience:
            return epoch
    return None


def test_early_stopping_stops_when_it_should_and_loads_best(iris):
    probe = Probe()
    stopper = EarlyStopping(monitor="valid_loss", patience=3, threshold=0, load_best=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no "Training interrupted by user"
        clf = MLPClassifier(**FAST, max_iter=300, early_stopping=True, restore_best_weights=False,
                            learning_rate_init=0.1, callbacks=[probe, stopper]).fit(*iris)
    losses = [row["valid_loss"] for row in clf.history_]
    stop = _expected_stop(losses, 3)
    assert stop is not None and stop == len(losses) < 300  # stopped, and the stopping epoch is recorded
    best = int(np.argmin(losses))
    assert best < len(losses) - 1
    assert _same({k: v for k, v in clf.net_.module_.state_dict().items()}, probe.end[best])
    np.testing.assert_array_equal(clf.coefs_[0], probe.end[best]["hidden.0.linear.weight"].numpy().T)


def test_early_stopping_on_training_loss_without_load_best(iris):
    probe = Probe()
    stopper = EarlyStopping(monitor="train_loss", patience=2, threshold=0.5, threshold_mode="rel")
    # the probe goes first: EarlyStopping raises in on_epoch_end, so callbacks after it miss that epoch's end
    clf = MLPClassifier(**FAST, max_iter=100, callbacks=[probe, stopper]).fit(*iris)
    assert len(clf.history_) == 3  # no epoch halves the loss: two misses after the first
    assert _same(clf.net_.module_.state_dict(), probe.end[-1])  # the last weights are kept


# ------------------------------------------------------------------- LRScheduler
def test_lr_scheduler_step_lr_is_followed(iris):
    sched = LRScheduler(policy=StepLR, step_size=2, gamma=0.5)
    clf = MLPClassifier(**FAST, max_iter=6, learning_rate="constant", learning_rate_init=0.1,
                        callbacks=[sched]).fit(*iris)
    lr = [row["lr"] for row in clf.history_]
    np.testing.assert_allclose(lr, [0.1, 0.1, 0.05, 0.05, 0.025, 0.025])
    assert [row["event_lr"] for row in clf.history_] == lr  # skorch's event: the rate the epoch trained with


def test_lr_scheduler_changes_training(iris):
    params = dict(FAST, max_iter=4, solver="sgd", momentum=0.0, batch_size="full", learning_rate_init=0.1)
    plain = MLPClassifier(**params).fit(*iris)
    zero = MLPClassifier(**params, callbacks=[LRScheduler(policy=StepLR, step_size=1, gamma=0.0)]).fit(*iris)
    # gamma=0: only the first epoch's step moves the weights
    assert zero.loss_curve_[1] < zero.loss_curve_[0]
    assert zero.history_[-1]["lr"] == 0.0
    np.testing.assert_array_equal(zero.coefs_[0], MLPClassifier(**dict(params, max_iter=1)).fit(*iris).coefs_[0])
    assert not np.array_equal(zero.coefs_[0], plain.coefs_[0])


def test_lr_scheduler_reduce_on_plateau_and_batch_steps(iris):
    # ReduceLROnPlateau reads its monitor from the history; threshold=0.9 makes every epoch after the
    # first (which improves on inf) a stall, and each stall halves the next epoch's rate
    sched = LRScheduler(policy=ReduceLROnPlateau, monitor="valid_loss", patience=0, factor=0.5, threshold=0.9)
    clf = MLPClassifier(**FAST, max_iter=4, early_stopping=True, learning_rate_init=0.1,
                        callbacks=[sched]).fit(*iris)
    np.testing.assert_allclose([row["lr"] for row in clf.history_], [0.1, 0.1, 0.05, 0.025])
    # step_every='batch': 3 batches an epoch, a step every 3 batches; 'lr' is the rate after the
    # epoch's last scheduler step, the per-batch rates are in net_.history's batch records
    sched = LRScheduler(policy=StepLR, step_size=3, gamma=0.5, step_every="batch")
    clf = MLPClassifier(**FAST, max_iter=3, batch_size=50, learning_rate_init=0.1, callbacks=[sched]).fit(*iris)
    np.testing.assert_allclose([row["lr"] for row in clf.history_], [0.05, 0.025, 0.0125])
    assert clf.net_.history[-1, "batches", :, "event_lr"] == [0.025, 0.025, 0.025]


@pytest.mark.parametrize("params", [
    dict(learning_rate="cosine"),
    dict(learning_rate="plateau"),
    dict(solver="sgd", learning_rate="invscaling"),
    dict(solver="sgd", learning_rate="adaptive"),
])
def test_lr_scheduler_with_another_schedule_raises(iris, params):
    clf = MLPClassifier(**FAST, max_iter=2, callbacks=[("sched", LRScheduler(StepLR, step_size=1))], **params)
    with pytest.raises(ValueError, match="LRScheduler"):
        clf.fit(*iris)


def test_lr_scheduler_with_sklearn_schedule_of_adam_is_allowed(iris):
    # scikit-learn's 'invscaling' and 'adaptive' apply to sgd only: for adam they mean 'constant'
    sched = LRScheduler(policy=StepLR, step_size=1, gamma=0.5)
    clf = MLPClassifier(**FAST, max_iter=3, learning_rate="invscaling", learning_rate_init=0.1,
                        callbacks=[sched]).fit(*iris)
    np.testing.assert_allclose([row["lr"] for row in clf.history_], [0.1, 0.05, 0.025])


# ----------------------------------------------------- Checkpoint / LoadInitState
def test_checkpoint_saves_the_best_epoch(iris, tmp_path):
    probe = Probe()
    cp = Checkpoint(monitor="valid_loss_best", dirname=str(tmp_path))
    clf = MLPClassifier(**FAST, max_iter=8, early_stopping=True, learning_rate_init=0.1,
                        callbacks=[cp, probe]).fit(*iris)
    for name in ("params.pt", "optimizer.pt", "criterion.pt", "history.json"):
        assert (tmp_path / name).exists(), name
    losses = [row["valid_loss"] for row in clf.history_]
    saved = torch.load(tmp_path / "params.pt")
    assert _same(saved, probe.end[int(np.argmin(losses))])
    assert [row["event_cp"] for row in clf.history_] == [row["valid_loss_best"] for row in clf.history_]


def test_load_init_state_resumes_from_the_checkpoint(iris, tmp_path):
    # Adam, full batches, no shuffling: 3 epochs + 3 resumed epochs equal 6 epochs straight, because
    # LoadInitState restores the weights and Adam's moments.
    params = dict(FAST, batch_size="full", shuffle=False, learning_rate_init=0.05)
    straight = MLPClassifier(**params, max_iter=6).fit(*iris)

    first = MLPClassifier(**params, max_iter=3,
                          callbacks=[Checkpoint(monitor=None, dirname=str(tmp_path))]).fit(*iris)
    saved = torch.load(tmp_path / "params.pt")
    assert _same(saved, first.net_.module_.state_dict())

    probe = Probe()
    cp = Checkpoint(monitor=None, dirname=str(tmp_path))
    resumed = MLPClassifier(**dict(params, random_state=1), max_iter=3,
                            callbacks=[cp, LoadInitState(cp), probe]).fit(*iris)
    assert _same(probe.begin[0], saved)  # training started from the checkpointed weights
    own = Probe()
    MLPClassifier(**dict(params, random_state=1), max_iter=1, callbacks=[own]).fit(*iris)
    assert not _same(own.initial, saved)  # (the new estimator's own initialization was replaced)
    np.testing.assert_allclose(resumed.loss_curve_, straight.loss_curve_[3:], rtol=1e-10)
    for a, b in zip(resumed.coefs_, straight.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    # skorch's history continues from the checkpoint's; history_ holds this fit's epochs
    assert [row["epoch"] for row in resumed.net_.history] == [1, 2, 3, 4, 5, 6]
    assert len(resumed.history_) == 3


def test_load_init_state_without_checkpoint_files_starts_fresh(iris, tmp_path):
    cp = Checkpoint(monitor=None, dirname=str(tmp_path / "none_yet"))
    a = MLPClassifier(**FAST, max_iter=2, callbacks=[cp, LoadInitState(cp)]).fit(*iris)
    b = MLPClassifier(**FAST, max_iter=2).fit(*iris)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    assert (tmp_path / "none_yet" / "params.pt").exists()


def test_load_init_state_loads_once_then_partial_fit_and_warm_start_continue(iris, tmp_path):
    # as with one skorch net: the checkpoint is loaded by the first (cold) fit only
    MLPClassifier(**FAST, max_iter=3, callbacks=[Checkpoint(monitor=None, dirname=str(tmp_path))]).fit(*iris)
    saved = torch.load(tmp_path / "params.pt")
    probe = Probe()
    clf = MLPClassifier(**FAST, learning_rate_init=0.05,
                        callbacks=[LoadInitState(Checkpoint(dirname=str(tmp_path))), probe])
    losses = []
    for _ in range(3):
        clf.partial_fit(*iris, classes=[0, 1, 2])
        losses.append(clf.loss_)
        if len(losses) == 1:
            assert _same(probe.begin[0], saved)
    assert losses[2] < losses[1] < losses[0]  # each call continues from the last

    clf = MLPClassifier(**FAST, max_iter=2, warm_start=True,
                        callbacks=[LoadInitState(Checkpoint(dirname=str(tmp_path))), probe]).fit(*iris)
    assert _same(probe.begin[0], saved)
    fitted = copy.deepcopy(clf.net_.module_.state_dict())
    clf.fit(*iris)
    assert _same(probe.begin[0], fitted)


def test_train_end_checkpoint_saves_the_final_model(iris, tmp_path):
    clf = MLPClassifier(**FAST, max_iter=8, early_stopping=True, learning_rate_init=0.1,
                        callbacks=[TrainEndCheckpoint(dirname=str(tmp_path))]).fit(*iris)
    saved = torch.load(tmp_path / "train_end_params.pt")
    # saved after our restore_best_weights: the estimator's final weights
    assert _same(saved, clf.net_.module_.state_dict())
    np.testing.assert_array_equal(saved["output.weight"].numpy().T, clf.coefs_[-1])


# ------------------------------------------------------------------------ Freezer
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_freezer_keeps_frozen_parameters(iris, solver):
    probe = Probe()
    clf = MLPClassifier(**FAST, max_iter=5, solver=solver, alpha=1e-2,
                        callbacks=[Freezer("hidden.0.*"), probe]).fit(*iris)
    assert torch.equal(clf.net_.module_.hidden[0].linear.weight, probe.initial["hidden.0.linear.weight"])
    assert torch.equal(clf.net_.module_.hidden[0].linear.bias, probe.initial["hidden.0.linear.bias"])
    assert not torch.equal(clf.net_.module_.output.weight, probe.initial["output.weight"])
    assert not torch.equal(clf.net_.module_.output.bias, probe.initial["output.bias"])


# -------------------------------------------------------------------- ProgressBar
def test_progress_bar_writes_progress(iris, capsys):
    MLPClassifier(**FAST, max_iter=2, batch_size=30, callbacks=[ProgressBar()]).fit(*iris)
    err = capsys.readouterr().err
    assert err.count("0/5 [") == 2  # one bar per epoch, over 150 samples in batches of 30


# ---------------------------------------------------------- GradientNormClipping
def test_gradient_norm_clipping_matches_the_hand_computed_step(iris):
    # One full-batch SGD step without momentum: W1 = W0 - lr * g * min(1, c / ||g||).
    lr, c = 0.5, 1e-3
    params = dict(FAST, max_iter=1, solver="sgd", momentum=0.0, batch_size="full", learning_rate_init=lr)
    probe_free, probe_clip = Probe(), Probe()
    free = MLPClassifier(**params, callbacks=[probe_free]).fit(*iris)
    clipped = MLPClassifier(**params, callbacks=[GradientNormClipping(c), probe_clip]).fit(*iris)
    w0 = probe_free.initial
    assert _same(w0, probe_clip.initial)
    step = {k: w0[k] - free.net_.module_.state_dict()[k] for k in w0}  # lr * g
    g_norm = torch.sqrt(sum((s / lr).pow(2).sum() for s in step.values()))
    assert g_norm > 100 * c
    for k, w in clipped.net_.module_.state_dict().items():
        expected = w0[k] - step[k] * (c / (g_norm + 1e-6))  # torch's clip_grad_norm_ factor
        torch.testing.assert_close(w, expected, rtol=1e-6, atol=1e-12)


def test_gradient_norm_clipping_equals_clip_norm(iris):
    params = dict(FAST, max_iter=3, solver="sgd", learning_rate_init=0.5)
    a = MLPClassifier(**params, callbacks=[GradientNormClipping(0.01)]).fit(*iris)
    b = MLPClassifier(**params, clip_norm=0.01).fit(*iris)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    assert not np.array_equal(a.coefs_[0], MLPClassifier(**params).fit(*iris).coefs_[0])


# ----------------------------------------------------------------------- PrintLog
def test_print_log_prints_our_history_keys(iris, capsys):
    clf = MLPClassifier(**FAST, max_iter=3, early_stopping=True, callbacks=[PrintLog()]).fit(*iris)
    assert capsys.readouterr().out == ""  # PrintLog(sink=print) follows verbose, as in skorch
    clf = MLPClassifier(**FAST, max_iter=3, early_stopping=True, callbacks=[PrintLog(sink=print)],
                        verbose=True).fit(*iris)
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.strip() and not line.startswith("Iteration")]
    header = lines[0].split()
    assert header == ["epoch", "lr", "train_loss", "valid_loss", "valid_score", "dur"]
    assert len(lines) == 2 + 3  # header, rule, one row per epoch
    for line, row in zip(lines[2:], clf.history_):
        fields = re.sub(r"\x1b\[[0-9;]*m", "", line).split()  # best values are coloured
        assert int(fields[0]) == row["epoch"]
        assert float(fields[2]) == pytest.approx(row["train_loss"], abs=1e-4)
        assert float(fields[4]) == pytest.approx(row["valid_score"], abs=1e-4)


# ---------------------------------------------------------------------- loggers
def test_tensorboard_logs_the_history(iris, tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(log_dir=str(tmp_path))
    clf = MLPClassifier(**FAST, max_iter=4, early_stopping=True,
                        callbacks=[TensorBoard(writer)]).fit(*iris)
    acc = EventAccumulator(str(tmp_path))
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    assert {"Loss/train_loss", "Loss/valid_loss", "Loss/valid_score", "lr", "dur"} <= tags
    for key, tag in [("train_loss", "Loss/train_loss"), ("valid_loss", "Loss/valid_loss"),
                     ("valid_score", "Loss/valid_score"), ("lr", "lr")]:
        events = acc.Scalars(tag)
        assert [e.step for e in events] == [1, 2, 3, 4]
        np.testing.assert_allclose([e.value for e in events], [row[key] for row in clf.history_], rtol=1e-6)


def test_mlflow_logger_logs_the_history(iris, tmp_path):
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient
    from skorch.callbacks import MlflowLogger

    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = client.create_experiment("sknn_hp", artifact_location=(tmp_path / "artifacts").as_uri())
    run = client.create_run(experiment)
    clf = MLPClassifier(**FAST, max_iter=3, early_stopping=True,
                        callbacks=[MlflowLogger(run=run, client=client)]).fit(*iris)
    for key in ("train_loss", "valid_loss", "valid_score", "lr"):
        metrics = client.get_metric_history(run.info.run_id, key)
        assert [m.step for m in metrics] == [1, 2, 3]
        np.testing.assert_allclose([m.value for m in metrics], [row[key] for row in clf.history_], rtol=1e-12)
    assert client.get_run(run.info.run_id).info.status == "FINISHED"
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"params.pth", "optimizer.pth", "history.json"} <= artifacts
