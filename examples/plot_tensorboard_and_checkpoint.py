"""
=====================================================
TensorBoard logging and resuming from a checkpoint
=====================================================

skorch's callbacks plug into ``callbacks=`` (see ``docs/callbacks.md``). This
example trains a classifier on digits for a few epochs with two of them:

- ``TensorBoard(SummaryWriter(...))`` logs every epoch's history (training and
  validation loss, validation accuracy, learning rate) as TensorBoard scalars;
- ``Checkpoint(monitor=None)`` saves the weights, the optimizer state (Adam's
  moments), the criterion and the history after every epoch.

A *new* estimator then resumes the run with ``LoadInitState(checkpoint)``: at
the start of its fit it loads the checkpoint, and its skorch history continues
the first run's epochs, so its TensorBoard steps continue too. The batches are
taken in a fixed order (``shuffle=False``), so the resumed run retraces exactly
the curve of one uninterrupted fit of the same total length, which the example
checks. The scalars are read back from the event files with TensorBoard's
``EventAccumulator`` and, when matplotlib is installed, plotted across the
resume to ``examples/output/tensorboard_and_checkpoint.png``.

The logs go to ``examples/output/tensorboard/`` (look at them with
``tensorboard --logdir examples/output/tensorboard``), the checkpoint to
``examples/output/checkpoint/``. Needs the ``tensorboard`` package. Set
``SKNN_HP_QUICK=1`` for fewer epochs.
"""

import os
import shutil
import sys
import warnings
from pathlib import Path

try:
    import sknn_hp  # noqa: F401
except ImportError:  # running from a source checkout that is not pip-installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Checkpoint, LoadInitState, TensorBoard

from sknn_hp import MLPClassifier

try:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from torch.utils.tensorboard import SummaryWriter
except ImportError:
    print("This example needs the tensorboard package (pip install tensorboard).")
    sys.exit(0)

QUICK = os.environ.get("SKNN_HP_QUICK", "") not in ("", "0")
FIRST, SECOND = (3, 3) if QUICK else (15, 15)  # epochs before and after the resume

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# The docs build (sphinx-gallery) runs the examples from this folder, without __file__.
here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
out = here / "output"
logs, checkpoint_dir = out / "tensorboard", out / "checkpoint"
for folder in (logs, checkpoint_dir):  # a fresh run: no event files or checkpoint of an earlier one
    shutil.rmtree(folder, ignore_errors=True)

params = dict(
    hidden_layer_sizes=(64,),
    learning_rate_init=1e-3,
    batch_size=64,
    shuffle=False,  # a fixed batch order makes the resumed run retrace the uninterrupted one
    early_stopping=True,  # a validation set: valid_loss and valid_score are logged
    n_iter_no_change=np.inf,  # run every epoch asked for
    random_state=0,
)

# %%
# First run: FIRST epochs, logged to TensorBoard, checkpointed after every epoch.
first = MLPClassifier(**params, max_iter=FIRST, callbacks=[
    Checkpoint(monitor=None, dirname=str(checkpoint_dir)),
    TensorBoard(SummaryWriter(str(logs / "first"))),
]).fit(X_train, y_train)
print(f"first run: {len(first.history_)} epochs, test accuracy {first.score(X_test, y_test):.3f}")
print("checkpoint files:", ", ".join(sorted(p.name for p in checkpoint_dir.iterdir())))

# %%
# Resume in a new estimator: LoadInitState loads the checkpoint at the start of the fit (weights,
# optimizer state, history). The same Checkpoint keeps saving, so a third run could resume again.
cp = Checkpoint(monitor=None, dirname=str(checkpoint_dir))
resumed = MLPClassifier(**params, max_iter=SECOND, callbacks=[
    cp,
    LoadInitState(cp),
    TensorBoard(SummaryWriter(str(logs / "resumed"))),
]).fit(X_train, y_train)
print(f"resumed run: {len(resumed.history_)} more epochs (skorch's history continues the checkpoint's: "
      f"epochs {resumed.net_.history[-SECOND, 'epoch']}..{resumed.net_.history[-1, 'epoch']}), "
      f"test accuracy {resumed.score(X_test, y_test):.3f}")

# %%
# The reference: one uninterrupted fit of FIRST + SECOND epochs.
straight = MLPClassifier(**params, max_iter=FIRST + SECOND).fit(X_train, y_train)
assert np.allclose(first.loss_curve_ + resumed.loss_curve_, straight.loss_curve_, rtol=1e-9)
assert np.allclose(resumed.predict_proba(X_test), straight.predict_proba(X_test), atol=1e-9)
print("first + resumed epochs retrace the uninterrupted fit: loss curves and predictions equal")

# %%
# Read the scalars back from the event files.
def scalars(run, tag):
    acc = EventAccumulator(str(logs / run))
    acc.Reload()
    events = acc.Scalars(tag)
    return [e.step for e in events], [e.value for e in events]


curves = {}
for run in ("first", "resumed"):
    for tag in ("Loss/train_loss", "Loss/valid_loss", "Loss/valid_score", "lr"):
        curves[run, tag] = scalars(run, tag)
steps = curves["first", "Loss/train_loss"][0] + curves["resumed", "Loss/train_loss"][0]
print("TensorBoard steps (first, then resumed):", steps)
assert steps == list(range(1, FIRST + SECOND + 1))
logged = curves["first", "Loss/train_loss"][1] + curves["resumed", "Loss/train_loss"][1]
assert np.allclose(logged, straight.loss_curve_, rtol=1e-6)  # float32 in the event files
print(f"view them with: tensorboard --logdir {logs}")

# %%
# Optional figure: the learning curve across the resume.
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("\nmatplotlib is not installed: no figure.")
else:
    fig, (ax_loss, ax_score) = plt.subplots(1, 2, figsize=(11, 4))
    epochs = np.arange(1, FIRST + SECOND + 1)
    ax_loss.plot(epochs, straight.loss_curve_, color="0.7", lw=4, label="train_loss (uninterrupted fit)")
    for run, style in (("first", "-o"), ("resumed", "-s")):
        for tag, color in (("Loss/train_loss", "C0"), ("Loss/valid_loss", "C1")):
            step, value = curves[run, tag]
            ax_loss.plot(step, value, style, color=color, ms=4, label=f"{tag.split('/')[1]} ({run})")
        step, value = curves[run, "Loss/valid_score"]
        ax_score.plot(step, value, style, color="C2", ms=4, label=f"valid accuracy ({run})")
    for ax in (ax_loss, ax_score):
        ax.axvline(FIRST + 0.5, color="k", ls=":", lw=1)
        ax.set_xlabel("epoch (TensorBoard step)")
        ax.legend(fontsize=8)
    ax_loss.set_ylabel("loss")
    ax_loss.set_yscale("log")
    ax_score.set_ylabel("validation accuracy")
    ax_loss.set_title("read back from the event files; dotted: resume")
    fig.tight_layout()
    out.mkdir(exist_ok=True)
    fig.savefig(out / "tensorboard_and_checkpoint.png", dpi=80)
    print(f"\nsaved {out / 'tensorboard_and_checkpoint.png'}")
