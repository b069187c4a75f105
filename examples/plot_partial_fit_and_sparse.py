"""
==============================================
Streaming with partial_fit, and sparse inputs
==============================================

Two scikit-learn workflows that ``MLPClassifier`` keeps from
:class:`sklearn.neural_network.MLPClassifier`:

1. **Out-of-core learning.** ``partial_fit`` runs one epoch over the chunk it
   is given and keeps the weights, the optimizer state (Adam's moments) and the
   schedule between calls, so data can arrive in chunks that never sit in
   memory together. The first call must list every class with ``classes=``,
   since one chunk may not contain them all. The digits are scaled by a fixed
   factor (pixel values 0-16 to 0-1), a transformation that needs no pass over
   the stream.

2. **Sparse inputs.** A TF-IDF matrix is a ``scipy.sparse`` CSR matrix with
   thousands of columns, almost all zero. It is passed to ``fit`` and
   ``predict`` as is: each mini-batch is densified on its own, never the whole
   matrix. The corpus is a small list of sentences written below (three
   topics), so nothing is downloaded.

Set ``SKNN_HP_QUICK=1`` for fewer passes over the stream and fewer epochs.
"""

import os
import sys
import warnings
from pathlib import Path

try:
    import sknn_hp  # noqa: F401
except ImportError:  # running from a source checkout that is not pip-installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import scipy.sparse as sp
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split

from sknn_hp import MLPClassifier

QUICK = os.environ.get("SKNN_HP_QUICK", "") not in ("", "0")

# %%
# Part 1: partial_fit over a stream of chunks.
X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
classes = np.unique(y)

CHUNK = 150
N_PASSES = 2 if QUICK else 8
rng = np.random.RandomState(0)


def stream(X, y, chunk_size, rng):
    """Yield (X_chunk, y_chunk), as a reader of a large file would."""
    order = rng.permutation(len(X))
    for start in range(0, len(X), chunk_size):
        idx = order[start:start + chunk_size]
        yield X[idx], y[idx]


clf = MLPClassifier(hidden_layer_sizes=(64,), learning_rate_init=0.003, random_state=0)
print(f"partial_fit on digits, chunks of {CHUNK} samples, {N_PASSES} passes over the stream")
n_calls = 0
for p in range(N_PASSES):
    for X_chunk, y_chunk in stream(X_train, y_train, CHUNK, rng):
        # classes= is required on the first call and ignored afterwards.
        clf.partial_fit(X_chunk, y_chunk, classes=classes if n_calls == 0 else None)
        n_calls += 1
    print(f"    after pass {p + 1}: {n_calls:>3} calls, {clf.t_:>5} samples seen, "
          f"last chunk loss {clf.loss_:.4f}, test accuracy {clf.score(X_test, y_test):.4f}")
print(f"classes_ = {clf.classes_}, len(loss_curve_) = {len(clf.loss_curve_)} (one entry per call)")

# %%
# Part 2: TF-IDF text classification on a sparse matrix.
SENTENCES = {
    "sport": [
        "The striker scored twice in the second half of the match",
        "Our goalkeeper saved a penalty in the final minute",
        "The team won the league after a long season",
        "She ran the marathon in under three hours",
        "The coach changed the lineup before the cup final",
        "He served an ace to win the tennis match",
        "The referee showed a red card to the defender",
        "Fans cheered as the runners crossed the finish line",
        "The cyclist attacked on the last climb of the stage",
        "The basketball team scored a late three pointer",
        "Training for the swimming championship starts at dawn",
        "The midfielder passed the ball to the striker",
        "The home team lost the match on penalties",
        "The sprinter broke the national record in the final",
        "The players trained all week for the derby",
        "A late goal gave the visitors a draw",
    ],
    "cooking": [
        "Chop the onions and fry them in butter until golden",
        "Bake the bread for forty minutes in a hot oven",
        "Season the soup with salt, pepper and fresh herbs",
        "Whisk the eggs with sugar until the mixture is pale",
        "Simmer the tomato sauce gently for an hour",
        "Roast the chicken with garlic and lemon",
        "Knead the dough and let it rise overnight",
        "Grill the vegetables and drizzle them with olive oil",
        "Melt the chocolate slowly over a pan of water",
        "Add the rice to the pan and stir in the stock",
        "Slice the potatoes thinly and layer them with cream",
        "Fold the flour gently into the cake batter",
        "Marinate the fish in lime juice before grilling",
        "Stir the risotto until the rice is creamy",
        "Serve the pasta with grated cheese and basil",
        "Cool the cake before spreading the icing",
    ],
    "computing": [
        "The compiler reported an error in the source file",
        "Install the package and restart the server",
        "The database query returned thousands of rows",
        "Update the operating system to fix the security bug",
        "The program crashed because memory ran out",
        "Commit your changes and push them to the repository",
        "The laptop boots faster with a solid state drive",
        "The network cable was unplugged from the router",
        "Run the tests before merging the pull request",
        "The function returns a list of sorted numbers",
        "The graphics card renders the scene on the screen",
        "Encrypt the password before storing it in the database",
        "The script parses the log file line by line",
        "Back up the files to an external drive every night",
        "The browser cached an old version of the page",
        "Recompile the kernel module after the update",
    ],
}
texts = [s for topic in SENTENCES for s in SENTENCES[topic]]
labels = np.array([topic for topic in SENTENCES for _ in SENTENCES[topic]])
t_train, t_test, l_train, l_test = train_test_split(texts, labels, test_size=0.25, stratify=labels,
                                                    random_state=0)

vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
T_train = vectorizer.fit_transform(t_train)
T_test = vectorizer.transform(t_test)
density = T_train.nnz / np.prod(T_train.shape)
print(f"\nTF-IDF: {type(T_train).__name__} of shape {T_train.shape}, {density:.1%} non-zero")

text_clf = MLPClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01, batch_size=8, dropout=0.2,
                         max_iter=10 if QUICK else 40, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    text_clf.fit(T_train, l_train)
assert sp.issparse(T_test)
print(f"test accuracy on {len(t_test)} held-out sentences: {text_clf.score(T_test, l_test):.3f}")

# The sparse and the dense input give the same predictions.
same = np.array_equal(text_clf.predict_proba(T_test), text_clf.predict_proba(T_test.toarray()))
print(f"sparse and dense predict_proba identical: {same}")

new = [
    "The defender scored with a header from the corner",
    "Fry the garlic in olive oil and add the tomatoes",
    "The server crashed after the software update",
]
for sentence, topic in zip(new, text_clf.predict(vectorizer.transform(new))):
    print(f"    {topic:<10} <- {sentence!r}")
