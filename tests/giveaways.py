"""What a check's failure message must never say, per question (it would give the answer away).

``outcome(q, **values)`` evaluates a question and, whenever the result is not *correct*, asserts
that the message has a reason, contains none of the question's tokens below and not its solution.
"""

from helpers.checks.question import CORRECT
from helpers.questions import nb01_warmup as n01
from helpers.questions import nb02_logistic_regression as n02
from helpers.questions import nb03_fnn_mnist as n03
from helpers.questions import nb04_cnn_mnist as n04
from helpers.questions import nb05_abalone_regression as n05
from helpers.questions import nb07_transfer_learning as n07
from helpers.questions import nb08_sequences as n08
from helpers.questions import nb09_hyperparameter_search as n09

NEVER = {
    n01.q1: ("matmul(x0", "+ b_true"), n01.q2: ("rng.uniform", "rng.normal", "@ W_np"),
    n01.q3: ("apply_gradients", "reduce_mean"), n01.q4: ("Dense(2", "model.fit("),
    n01.q5: ("np.exp(-", "1 / (1 +"),
    n02.q1: ("np.c_", "np.ones(len(X))", "hstack"), n02.q2: ("y_hat**2", "X_b.T @"),
    n02.q3: ("learning_rate * grad_mse",), n02.q4: ("binary_crossentropy", "\"sigmoid\"", "Dense(1"),
    n02.q5: ("- 30", "20 * x1"), n02.q6: ("tanh", "Dense(8"),
    n03.q1: ("to_categorical",), n03.q2: ("softmax", "Dense(10", "Flatten()"),
    n03.q3: ("categorical_crossentropy", "CategoricalCrossentropy"), n03.q4: ("model.fit",),
    n03.q5: ("l2(1e-4)", "Dropout(0.5)", "kernel_regularizer="),
    n04.q1: ("np.sum(image", "image[i:i + kh"), n04.q2: ("fmap[i * stride",), n04.q3: ("softmax", "Flatten()", "Dense(10"),
    n04.q4: ("model.fit",), n04.q5: ("load_model", "model.save("),
    n05.q1: ("get_dummies",), n05.q2: ("y_train.mean()", "np.abs(y_test"), n05.q3: ("Dense(1)", "loss=\"mse\""),
    n05.q4: ("model.fit",),
    n07.q1: ("trainable = False", "training=False", "Dropout(0.4)"), n07.q2: ("make_base()", "Dropout(0.4)"),
    n07.q3: ("trainable = True", "Adam(1e-4)", "1e-4", "layer.trainable = False"),
    n08.q1: ("np.tanh(x_t", "h @ W_h", "x_t @ W_x", "np.zeros(W_h"), n08.q2: ("LSTM(128", "Dense(10", "softmax"),
    n08.q3: ("4 *", "4 ×", "one_set", "units + 1"), n08.q4: ("model.fit",),
    n09.q1: ("sampling=\"log\"", "hp.Int(", "hp.Float(", "hp.Choice("),
    n09.q2: ("RandomSearch(", "directory=tuner_dir", "objective=\"val_accuracy\""),
    n09.q3: ("x_val, y_val", "validation_data=("), n09.q4: ("hypermodel.build", "build_model(best_hp)"),
}
QUESTIONS = list(NEVER)

#: what a *hint* must never spell out: the line that is the answer (issue 22 found hints that were the whole
#: solution).  A hint may name a function or a concept; it leaves the writing to the learner.
HINT_NEVER = {
    n01.q1: ("matmul(x0, W_true) + b_true", "x0 @ W_true + b_true"),
    n01.q3: ("apply_gradients(zip(",), n01.q4: ("Dense(2)])", "SGD(learning_rate=learning_rate)"),
    n01.q5: ("1 / (1 + np.exp",),
    n02.q1: ("np.c_[np.ones", "hstack([np.ones"), n02.q2: ("X_b.T @", "y_hat - y_hat**2"),
    n02.q3: ("learning_rate * grad_mse(", "w -= "), n02.q4: ("Dense(1, activation",),
    n02.q5: ("20 * x1 + 20 * x2 - 30",), n02.q6: ("keras.layers.Dense(8, activation",),
    n04.q1: ("image[i:i + kh, j:j + kw] * kernel",), n04.q2: ("fmap[i * stride:i * stride + size",),
    n04.q3: ("keras.layers.Conv2D(32, 3",), n04.q5: ("model.save(path)", "load_model(path)"),
    n05.q1: ("columns=[\"sex\"]",), n05.q2: ("y_test - y_train.mean()",), n05.q3: ("keras.layers.Dense(64",),
}


def hints_of(q):
    """Every hint text of ``q``, gentlest first."""
    return list(q.hint_text) if isinstance(q.hint_text, (list, tuple)) else [q.hint_text]


def hint_giveaways(q):
    """``[(hint number, what it gives away)]``: the solution itself, or a token of :data:`HINT_NEVER`."""
    found = []
    solution = " ".join(q.solution_text.split())
    for n, hint in enumerate(hints_of(q), 1):
        flat = " ".join(hint.split())
        found += [(n, "the whole solution")] if solution in flat else []
        found += [(n, token) for token in HINT_NEVER.get(q, ()) if token in flat]
    return found


def outcome(q, **values):
    """``q``'s outcome for ``values``; a failure message is checked for giveaways first."""
    result = q.evaluate(**values)
    if result.outcome != CORRECT:
        assert result.message.strip(), "a failure needs a reason"
        assert q.solution_text.strip() not in result.message
        for token in NEVER[q]:
            assert token not in result.message, (q.name, token, result.message)
        assert "Traceback" not in result.message and "File \"" not in result.message, result.message
    return result.outcome
