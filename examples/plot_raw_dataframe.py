"""
=======================================================
A raw DataFrame: categorical columns and embeddings
=======================================================

A customer table as it comes: a 50-level ``state`` column, a three-level
``plan`` (pandas ``category``), yes/no strings, charges in dollars with a
heavy tail, and a few missing plans. scikit-learn's MLP rejects the strings;
``HistGradientBoostingClassifier(categorical_features="from_dtype")`` takes
the table as it is, and so do the estimators here with

- ``categorical_features="from_dtype"``: object, string and category columns
  are categorical; one with at most ``max_onehot_categories`` (8) levels is
  one-hot encoded, one with more (``state``) gets a learned embedding of
  width ``categorical_embedding_dim``; missing values are a level of their
  own and unseen levels map to a zero vector;
- ``numeric_scaling="robust"``: the numbers are centred on their median,
  divided by their interquartile range and smoothly clipped (RealMLP's
  preprocessing), so dollars need no scaler;
- ``numeric_embedding="periodic"`` (optional): PLR embeddings of the numbers.

The example fits, on the same 75/25 split: the MLP with embeddings, the same
MLP one-hot encoding every column (``max_onehot_categories=100``),
``sknn_hp.recommended("classifier")`` (which sets all of the above) and
HistGradientBoosting, and prints test ROC AUC and fit time. The data are
synthetic (the churn probability depends on the state, the plan, the
charges and an interaction) so that the learned ``state`` embedding can be
compared with the true state effects: the figure
(``examples/output/raw_dataframe.png``) shows the scores and, for each
state, the first principal component of its embedding against its true
effect. Predictions on rows with a state never seen in ``fit`` work too.

Set ``SKNN_HP_QUICK=1`` for a smaller table and fewer epochs.
"""

import os
import sys
import time
import warnings
from pathlib import Path

try:
    import sknn_hp  # noqa: F401
except ImportError:  # running from a source checkout that is not pip-installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from sknn_hp import MLPClassifier, recommended

QUICK = os.environ.get("SKNN_HP_QUICK", "") not in ("", "0")
N = 3000 if QUICK else 12000
MAX_ITER = 15 if QUICK else 100
warnings.filterwarnings("ignore", category=ConvergenceWarning)

# ---------------------------------------------------------------- the table
rng = np.random.RandomState(0)
states = [f"S{i:02d}" for i in range(50)]
state_effect = dict(zip(states, rng.normal(0, 1.0, 50)))
df = pd.DataFrame(
    {
        "state": rng.choice(states, N),
        "plan": pd.Categorical(rng.choice(["basic", "plus", "pro"], N, p=[0.5, 0.3, 0.2])),
        "international": rng.choice(["yes", "no"], N, p=[0.1, 0.9]),
        "day_charge": rng.lognormal(3.5, 0.6, N),  # dollars, heavy right tail
        "calls_to_support": rng.poisson(1.5, N),
        "tenure_months": rng.randint(1, 72, N),
    }
)
logit = (
    df["state"].map(state_effect)
    + 0.8 * (df["plan"] == "basic")
    + 1.2 * (df["international"] == "yes") * (df["day_charge"] > 50)
    + 0.6 * (df["calls_to_support"] >= 4)
    + 1.5 * np.log(df["day_charge"] / 33)
    - 0.02 * df["tenure_months"]
    - 1.0
)
y = np.where(rng.uniform(size=N) < 1 / (1 + np.exp(-logit)), "churn", "stay")
df.loc[rng.choice(N, N // 50, replace=False), "plan"] = np.nan  # some plans are unknown
X_train, X_test, y_train, y_test = train_test_split(df, y, stratify=y, random_state=0)
print(f"{N} customers, {df.shape[1]} columns ({(y == 'churn').mean():.0%} churn); dtypes:")
print(df.dtypes.to_string())

# ---------------------------------------------------------------- the models
tabular = {"categorical_features": "from_dtype", "numeric_scaling": "robust", "hidden_layer_sizes": (128, 128),
           "early_stopping": True, "monitor": "loss", "max_iter": MAX_ITER, "random_state": 0}
models = {
    "MLP, embeddings": MLPClassifier(**tabular),
    "MLP, one-hot only": MLPClassifier(**tabular, max_onehot_categories=100),
    "recommended()": recommended("classifier", random_state=0, max_iter=MAX_ITER),
    "HistGradientBoosting": HistGradientBoostingClassifier(
        categorical_features="from_dtype", random_state=0
    ),
}
hgb_X_train = X_train.astype({"state": "category", "international": "category"})
hgb_X_test = X_test.astype({"state": "category", "international": "category"})

results = {}
print(f"\n{'model':<24}{'test ROC AUC':>14}{'fit s':>9}")
for name, model in models.items():
    Xtr, Xte = (hgb_X_train, hgb_X_test) if name == "HistGradientBoosting" else (X_train, X_test)
    start = time.perf_counter()
    model.fit(Xtr, y_train)
    fit_s = time.perf_counter() - start
    auc = roc_auc_score(y_test == "churn", model.predict_proba(Xte)[:, list(model.classes_).index("churn")])
    results[name] = (auc, fit_s)
    print(f"{name:<24}{auc:>14.4f}{fit_s:>9.1f}")

# A state never seen in fit: no error, the state contributes a zero embedding.
emb_model = models["MLP, embeddings"]
unseen = X_test.head(3).assign(state="XX")
print("\nP(churn) with an unseen state:", emb_model.predict_proba(unseen)[:, 0].round(3))

# The learned state embeddings against the true state effects.
encoder = emb_model._tabular_encoder
state_column = encoder.categorical_columns.index(list(df.columns).index("state"))
table = emb_model.net_.module_.input_block.embeddings[str(state_column)].weight.detach().numpy()
levels = encoder.categories[state_column]
vectors = table[2:]  # rows 0 and 1: unseen and missing
centred = vectors - vectors.mean(axis=0)
pc1 = centred @ np.linalg.svd(centred, full_matrices=False)[2][0]
truth = np.array([state_effect[s] for s in levels])
pc1 *= np.sign(np.corrcoef(pc1, truth)[0, 1])
print(f"correlation of the state embeddings' first principal component with the true effects: "
      f"{np.corrcoef(pc1, truth)[0, 1]:.2f}")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("\nmatplotlib is not installed: no figure.")
else:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    names = list(results)
    aucs = [results[n][0] for n in names]
    ax1.barh(names, aucs, color=["C0", "C1", "C2", "C3"])
    ax1.set_xlim(min(aucs) - 0.02, max(aucs) + 0.01)
    ax1.set_xlabel("test ROC AUC")
    for i, n in enumerate(names):
        ax1.text(aucs[i], i, f" {aucs[i]:.3f} ({results[n][1]:.0f} s)", va="center", fontsize=8)
    ax1.set_title("Raw DataFrame in, churn out")
    ax2.scatter(truth, pc1)
    ax2.set_xlabel("true state effect (log-odds)")
    ax2.set_ylabel("embedding, first principal component")
    ax2.set_title("What the 50-level 'state' embedding learned")
    fig.tight_layout()
    # The docs build (sphinx-gallery) runs the examples from this folder, without __file__.
    here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
    out = here / "output"
    out.mkdir(exist_ok=True)
    fig.savefig(out / "raw_dataframe.png", dpi=80)
    print(f"figure: {out / 'raw_dataframe.png'}")
