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
N_PASSES = 2 if QUICK else 5
rng = np.random.RandomState(0)


def stream(X, y, chunk_size, rng):
    """Yield (X_chunk, y_chunk), as a reader of a large file would."""
    order = rng.permutation(len(X))
    for start in range(0, len(X), chunk_size):
        idx = order[start:start + chunk_size]
        yield X[idx], y[idx]


clf = MLPClassifier(hidden_layer_sizes=(64,), batch_size=50, learning_rate_init=0.005, random_state=0)
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
        "The striker scored a goal in the second half of the match",
        "Our goalkeeper saved a penalty and the team won the match",
        "The team won the league after a long season",
        "The coach changed the team before the cup final",
        "The referee showed a red card to the player",
        "Fans cheered when the player scored the winning goal",
        "The season ended with a win for the home team",
        "The player passed the ball and the striker scored",
        "The home team lost the match on penalties",
        "The players trained all week for the final match",
        "A late goal gave the visiting team a draw",
        "The coach praised the players after the win",
        "The league table changed after the weekend match",
        "The team scored three goals in the first half",
        "The young player signed for the team this season",
        "The match was stopped when the referee was injured",
        "The captain lifted the cup after the final",
        "The coach said the team played a great match",
        "The goalkeeper kept a clean sheet all season",
        "The striker missed a penalty in the cup match",
    ],
    "cooking": [
        "Chop the onion and fry it in butter in a hot pan",
        "Bake the bread for forty minutes in a hot oven",
        "Season the sauce with salt, pepper and fresh herbs",
        "Whisk the eggs with sugar and fold in the flour",
        "Simmer the tomato sauce in the pan for an hour",
        "Roast the chicken in the oven with garlic and butter",
        "Knead the dough, add salt and bake the bread",
        "Fry the vegetables in a pan with olive oil",
        "Melt the butter and chocolate in a small pan",
        "Add the rice to the pan and stir in the stock",
        "Slice the potatoes and bake them in the oven with cream",
        "The recipe needs flour, sugar, eggs and butter",
        "Stir the sauce until it is thick and season with salt",
        "Serve the pasta with the tomato sauce and cheese",
        "Cool the cake before you add the sugar icing",
        "Heat the oven and grease the cake tin with butter",
        "This recipe for onion soup takes an hour",
        "Fry the garlic and onion before adding the rice",
        "Taste the sauce and add more salt or pepper",
        "Bake the cake until a knife comes out clean",
    ],
    "computing": [
        "The compiler reported an error in the source code",
        "Install the software update and restart the server",
        "The database query returned thousands of rows",
        "Update the operating system to fix the security bug",
        "The program crashed because the server ran out of memory",
        "Commit the code and push it to the repository",
        "The bug in the code corrupted the database file",
        "The server lost its network connection during the update",
        "Run the tests before you merge the code",
        "The program writes the results to a file",
        "The new software version fixes a bug in the database",
        "Encrypt the password before storing it in the database",
        "The script reads the log file from the server",
        "Back up every file on the server each night",
        "The update broke the program on older computers",
        "The developer fixed the bug and released new software",
        "The program loads the data file into memory",
        "Restart the database server after the software update",
        "The code compiles but the program crashes at startup",
        "The file was deleted by a bug in the backup software",
    ],
}
texts = [s for topic in SENTENCES for s in SENTENCES[topic]]
labels = np.array([topic for topic in SENTENCES for _ in SENTENCES[topic]])
t_train, t_test, l_train, l_test = train_test_split(texts, labels, test_size=0.25, stratify=labels,
                                                    random_state=0)

vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
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
