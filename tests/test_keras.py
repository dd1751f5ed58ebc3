"""penalized.keras: regularizers, the Proximal optimizer wrapper, reports, prune, saving.

Runs on Keras's torch backend (``KERAS_BACKEND=torch`` unless set otherwise). Reference
values come from ``penalized.torch`` (penalty values on the same weights), closed forms
computed here in numpy (soft-thresholding, block soft-thresholding and its optimality
conditions), the optimizers' own first update (their step sizes), and
:class:`penalized.Lasso` / :class:`penalized.ElasticNet` (the same problem solved by
coordinate descent).
"""

import os
import warnings

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from _nn_helpers import (  # noqa: E402
    assert_matches_reference,
    import_without,
    lipschitz,
    one_thread,  # noqa: F401  (autouse fixture)
    run_doctests,
)

import penalized  # noqa: E402
import penalized.torch as pt  # noqa: E402
from conftest import make_problem  # noqa: E402
from penalized.keras import (  # noqa: E402
    L1,
    L2,
    ElasticNet,
    GroupLasso,
    PenaltySum,
    Proximal,
    prune,
    sparsity_report,
)

ops = keras.ops

# Keras's own numpy conversions under numpy 2 (not penalized's code)
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")


def half_mse(y_true, y_pred):
    """0.5 * mean squared error: the loss of penalized's estimators."""
    return 0.5 * ops.mean(ops.square(y_true - y_pred), axis=-1)


def numpy_of(x):
    return np.asarray(ops.convert_to_numpy(x))


def soft(w, t):
    return np.sign(w) * np.maximum(np.abs(w) - t, 0.0)


def dense(units, inputs, dtype="float32", **kw):
    layer = keras.layers.Dense(units, dtype=dtype, **kw)
    layer.build((None, inputs))
    return layer


# --------------------------------------------------------------------------- import
def test_import_penalized_does_not_import_keras_and_missing_keras_gives_install_hint():
    res = import_without("keras")
    assert res.returncode == 0, res.stderr
    assert 'pip install "penalized[keras]"' in res.stdout


def test_the_adapter_calls_no_backend_directly():
    """penalized.keras uses keras.ops only (so it runs on every backend): no module
    imports torch, jax or tensorflow."""
    import pathlib
    import re

    import penalized.keras as pk

    pattern = re.compile(r"^\s*(import|from)\s+(torch|jax|tensorflow)\b", re.MULTILINE)
    for path in pathlib.Path(pk.__file__).parent.glob("*.py"):
        assert not pattern.search(path.read_text()), path.name


def test_docstring_examples_run():
    import penalized.keras as pk

    failed, attempted = run_doctests(pk)
    assert failed == 0 and attempted > 40
    for name in pk.__all__:  # every public object has an Examples section
        assert "Examples\n" in getattr(pk, name).__doc__, name


# --------------------------------------------------------------------------- values
def _torch_linear(kernel):
    """A torch Linear whose weight is the Keras kernel transposed (out, in)."""
    lin = torch.nn.Linear(kernel.shape[0], kernel.shape[1], bias=False, dtype=torch.float64)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(kernel.T))
    return lin


def _torch_conv(kernel):
    """A torch Conv2d with the Keras kernel (kh, kw, in, out) as (out, in, kh, kw)."""
    kh, kw, cin, cout = kernel.shape
    conv = torch.nn.Conv2d(cin, cout, (kh, kw), bias=False, dtype=torch.float64)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(kernel.transpose(3, 2, 0, 1)))
    return conv


PAIRS = [  # (keras penalty, the same penalty in penalized.torch)
    (L1(0.3), pt.L1(0.3)),
    (L2(0.7), pt.L2(0.7)),
    (ElasticNet(0.2, l1_ratio=0.3), pt.ElasticNet(0.2, l1_ratio=0.3)),
    (GroupLasso(0.4), pt.GroupLasso(0.4, dim="out")),
    (GroupLasso(0.4, axis="inputs"), pt.GroupLasso(0.4, dim="in")),
    (GroupLasso(0.4, axis="units", size_weighted=True),
     pt.GroupLasso(0.4, dim="out", size_weighted=True)),
    (GroupLasso(0.4, axis="inputs", size_weighted=True),
     pt.GroupLasso(0.4, dim="in", size_weighted=True)),
    (L1(0.1) + GroupLasso(0.5) + L2(0.2),
     pt.L1(0.1) + pt.GroupLasso(0.5, dim="out") + pt.L2(0.2)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(6, 4), (3, 2, 5, 4)], ids=["dense", "conv"])
def test_values_equal_penalized_torch(shape, dtype):
    rng = np.random.default_rng(0)
    kernel = rng.standard_normal(shape)
    kernel[..., 1] = 0.0  # a dead unit / filter
    kernel[..., 2, :] = 0.0  # an unused input / channel
    module = _torch_linear(kernel) if len(shape) == 2 else _torch_conv(kernel)
    k = ops.convert_to_tensor(kernel.astype(dtype))
    var = keras.Variable(kernel.astype(dtype))
    for pen, ref in PAIRS:
        want = ref.value(module).item()
        tol = 1e-12 if dtype == "float64" else 1e-5
        for x in (k, var):
            got = float(numpy_of(pen(x)))
            assert got == pytest.approx(want, rel=tol, abs=tol), pen
            assert float(numpy_of(pen.value(x))) == pytest.approx(want, rel=tol, abs=tol)


@pytest.mark.skipif(keras.backend.backend() != "torch", reason="uses torch's autograd")
def test_group_lasso_gradient_is_finite_at_zero_groups():
    """As a loss term, the group norm's gradient is 0 at a zero group (not NaN) and
    alpha * w_g / ||w_g|| elsewhere, as torch's autograd gives."""
    rng = np.random.default_rng(1)
    kernel = rng.standard_normal((5, 3))
    kernel[:, 0] = 0.0
    var = keras.Variable(kernel)
    pen = GroupLasso(0.3) + L2(0.2)
    loss = pen(var)
    loss.backward()
    got = var.value.grad.numpy()
    lin = _torch_linear(kernel)
    (pt.GroupLasso(0.3, dim="out") + pt.L2(0.2))(lin).backward()
    np.testing.assert_allclose(got, lin.weight.grad.numpy().T, atol=1e-12)
    assert np.all(got[:, 0] == 0)


def test_configs_round_trip_and_keras_finds_them_by_name():
    for pen, _ in PAIRS:
        config = keras.regularizers.serialize(pen)
        back = keras.regularizers.deserialize(config)
        assert type(back) is type(pen) and repr(back) == repr(pen)
        assert back.get_config() == pen.get_config()
    assert keras.saving.get_registered_name(L1) == "penalized>L1"
    layer = keras.layers.Dense(3, kernel_regularizer=L1(0.1) + GroupLasso(0.2, axis=0))
    clone = keras.layers.Dense.from_config(layer.get_config())
    assert repr(clone.kernel_regularizer) == repr(layer.kernel_regularizer)
    assert isinstance(clone.kernel_regularizer, PenaltySum)


# --------------------------------------------------------------------------- the prox
def _zero_grad_step(layer, pen, optimizer):
    """One step of Proximal(optimizer) with zero gradients: the prox alone."""
    layer.kernel_regularizer = pen
    layer.kernel.regularizer = pen
    opt = Proximal(optimizer)
    grads = [ops.zeros(v.shape, dtype=v.dtype) for v in layer.trainable_variables]
    opt.apply(grads, layer.trainable_variables)
    return numpy_of(layer.kernel), opt


def _block_soft(w, t, axis):
    norms = np.sqrt((w * w).sum(axis=1 - axis, keepdims=True))
    return w * np.maximum(1.0 - t / np.maximum(norms, 1e-300), 0.0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sgd_prox_is_the_closed_form(dtype):
    """SGD with a zero gradient: soft-thresholding, block soft-thresholding (units and
    inputs), the L2 shrink and their composition, as computed here in numpy."""
    rng = np.random.default_rng(2)
    w0 = 2.0 * rng.standard_normal((5, 4))
    w0[:, 0] *= 0.1  # a unit and an input with small weights: zero groups
    w0[1] *= 0.1
    lr = 0.75  # a float32 number: Keras keeps the learning rate in float32
    cases = [
        (L1(0.4), lambda w: soft(w, lr * 0.4)),
        (L2(0.5), lambda w: w / (1 + lr * 0.5)),
        (ElasticNet(0.6, 0.25), lambda w: soft(w, lr * 0.15) / (1 + lr * 0.45)),
        (GroupLasso(1.5), lambda w: _block_soft(w, lr * 1.5, axis=1)),
        (GroupLasso(1.5, axis="inputs"), lambda w: _block_soft(w, lr * 1.5, axis=0)),
        (GroupLasso(0.5, size_weighted=True),
         lambda w: _block_soft(w, lr * 0.5 * np.sqrt(5), axis=1)),
        (L1(0.3) + GroupLasso(1.0) + L2(0.2),
         lambda w: _block_soft(soft(w, lr * 0.3), lr * 1.0, axis=1) / (1 + lr * 0.2)),
    ]
    tol = 1e-12 if dtype == "float64" else 1e-5
    for pen, want in cases:
        layer = dense(4, 5, dtype)
        layer.kernel.assign(w0.astype(dtype))
        got, _ = _zero_grad_step(layer, pen, keras.optimizers.SGD(lr))
        np.testing.assert_allclose(got, want(w0.astype(dtype).astype(np.float64)),
                                   atol=tol, rtol=tol, err_msg=repr(pen))
    layer = dense(4, 5, dtype)
    layer.kernel.assign(w0.astype(dtype))
    got, _ = _zero_grad_step(layer, GroupLasso(1.5), keras.optimizers.SGD(lr))
    assert (got == 0).all(axis=0).any() and (got != 0).any()  # whole units exactly zero


def test_learning_rate_schedules_setter_and_alpha_changes_reach_the_prox():
    lr = keras.optimizers.schedules.ExponentialDecay(0.5, decay_steps=1, decay_rate=0.5)
    layer = dense(3, 4)
    w0 = numpy_of(layer.kernel).astype(np.float64)
    opt = Proximal(keras.optimizers.SGD(lr))
    layer.kernel.regularizer = L1(0.1)
    grads = [ops.zeros(v.shape, dtype=v.dtype) for v in layer.trainable_variables]
    for _ in range(2):
        opt.apply(grads, layer.trainable_variables)
    # steps 0 and 1 use lr(0) = 0.5 and lr(1) = 0.25
    np.testing.assert_allclose(numpy_of(layer.kernel), soft(w0, 0.1 * (0.5 + 0.25)),
                               atol=1e-6)
    pen = layer.kernel.regularizer
    pen.alpha = 0.5  # read at every step (and traced with the step on JAX/TensorFlow)
    w1 = numpy_of(layer.kernel).astype(np.float64)
    opt.apply(grads, layer.trainable_variables)  # lr(2) = 0.125
    np.testing.assert_allclose(numpy_of(layer.kernel), soft(w1, 0.5 * 0.125), atol=1e-6)
    opt2 = Proximal(keras.optimizers.SGD(0.1))
    opt2.learning_rate = 0.3  # e.g. by ReduceLROnPlateau: sets the wrapped optimizer's
    assert float(numpy_of(opt2.inner_optimizer.learning_rate)) == pytest.approx(0.3)
    assert float(numpy_of(opt2.learning_rate)) == pytest.approx(0.3)


OPTIMIZERS = [
    ("SGD", {}), ("SGD", {"momentum": 0.9}),
    ("Adam", {}), ("Adam", {"amsgrad": True}), ("AdamW", {"weight_decay": 0.0}),
    ("Adamax", {}), ("Adagrad", {}), ("RMSprop", {}), ("RMSprop", {"centered": True}),
    ("RMSprop", {"momentum": 0.5}),
]


@pytest.mark.parametrize("name,kw", OPTIMIZERS, ids=lambda v: str(v))
def test_step_sizes_are_the_optimizers_own(name, kw):
    """On its first step every optimizer here moves by -eta * grad, eta its own step size
    (per coordinate for the adaptive ones), read off the move of the plain optimizer; the
    Proximal then soft-thresholds by eta * alpha."""
    lr, alpha = 0.05, 4.0
    cls = getattr(keras.optimizers, name)
    a, b = dense(3, 6, "float64"), dense(3, 6, "float64")
    b.set_weights(a.get_weights())
    b.kernel.regularizer = L1(alpha)
    rng = np.random.default_rng(3)
    grads = [rng.standard_normal(v.shape) for v in a.trainable_variables]
    w0 = numpy_of(a.kernel)
    cls(lr, **kw).apply([ops.convert_to_tensor(g) for g in grads], a.trainable_variables)
    prox = Proximal(cls(lr, **kw))
    prox.apply([ops.convert_to_tensor(g) for g in grads], b.trainable_variables)
    w1 = numpy_of(a.kernel)
    eta = (w0 - w1) / grads[0]
    if name == "SGD":
        np.testing.assert_allclose(eta, lr, rtol=1e-6)
    else:  # per coordinate: larger where the gradient is smaller
        assert np.ptp(eta) > 1e-3 * eta.mean()
    np.testing.assert_allclose(numpy_of(b.kernel), soft(w1, eta * alpha), atol=1e-7)
    assert (numpy_of(b.kernel) == 0).any()  # alpha is large enough for a few exact zeros
    np.testing.assert_array_equal(numpy_of(b.bias), numpy_of(a.bias))  # unpenalized


@pytest.mark.parametrize("name", ["Adam", "SGD"])
def test_second_step_uses_the_bias_correction_and_not_the_momentum(name):
    """Step 2: Adam's eta = lr sqrt(1 - b2^2) / (sqrt(v) + eps) moves along m / (1 - b1^2)
    (Kingma and Ba); SGD's eta stays lr whatever the momentum."""
    lr, alpha, b1, b2, eps = 0.05, 0.01, 0.9, 0.999, 1e-7
    rng = np.random.default_rng(4)
    g1, g2 = rng.standard_normal((2, 6, 3))
    layer = dense(3, 6, "float64", use_bias=False)
    layer.kernel.regularizer = L1(alpha)
    inner = (keras.optimizers.Adam(lr, beta_1=b1, beta_2=b2, epsilon=eps) if name == "Adam"
             else keras.optimizers.SGD(lr, momentum=0.9))
    opt = Proximal(inner)
    opt.apply([ops.convert_to_tensor(g1)], layer.trainable_variables)
    z1 = numpy_of(layer.kernel)
    opt.apply([ops.convert_to_tensor(g2)], layer.trainable_variables)
    if name == "Adam":
        m = b1 * (1 - b1) * g1 + (1 - b1) * g2
        v = b2 * (1 - b2) * g1**2 + (1 - b2) * g2**2
        eta = lr * np.sqrt(1 - b2**2) / (np.sqrt(v) + eps)
        move = eta * m / (1 - b1**2)
    else:
        eta = lr
        move = lr * (0.9 * g1 + g2)
    np.testing.assert_allclose(numpy_of(layer.kernel), soft(z1 - move, eta * alpha),
                               atol=1e-7)


def test_adam_group_prox_satisfies_optimality_conditions():
    """Group lasso under Adam: the exact prox in the metric diag(1/eta). For each group,
    z_g = 0 iff ||x_g / eta_g|| <= lam, else (z - x) / eta + lam * z / ||z|| = 0."""
    lr, lam = 0.05, 10.0
    a, b = dense(5, 8, "float64"), dense(5, 8, "float64")
    b.set_weights(a.get_weights())
    b.kernel.regularizer = GroupLasso(lam, axis="units")
    g = np.random.default_rng(5).standard_normal((8, 5)) * np.linspace(0.1, 3, 5)
    w0 = numpy_of(a.kernel)
    keras.optimizers.Adam(lr).apply([ops.convert_to_tensor(g), ops.zeros((5,))],
                                    a.trainable_variables)
    Proximal(keras.optimizers.Adam(lr)).apply([ops.convert_to_tensor(g), ops.zeros((5,))],
                                              b.trainable_variables)
    x, z = numpy_of(a.kernel), numpy_of(b.kernel)
    eta = (w0 - x) / g
    dead = 0
    for j in range(5):
        if np.all(z[:, j] == 0):
            dead += 1
            assert np.linalg.norm(x[:, j] / eta[:, j]) <= lam * (1 + 1e-9)
        else:
            r = np.linalg.norm(z[:, j])
            np.testing.assert_allclose((z[:, j] - x[:, j]) / eta[:, j] + lam * z[:, j] / r,
                                       0, atol=1e-8)
    assert 0 < dead < 5


# --------------------------------------------------------------------------- training
def _fit_linear(X, y, penalty, dtype, steps=300):
    """Full-batch proximal gradient (ISTA) with lr = 1/L on 0.5 * mse, through fit()."""
    n, p = X.shape
    layer = keras.layers.Dense(1, kernel_regularizer=penalty, kernel_initializer="zeros",
                               dtype=dtype)
    model = keras.Sequential([keras.Input((p,), dtype=dtype), layer])
    model.compile(optimizer=Proximal(keras.optimizers.SGD(float(1.0 / lipschitz(X)))),
                  loss=half_mse)
    # `steps` copies of the data, one batch each: `steps` full-batch steps in one epoch
    Xr, yr = np.tile(X, (steps, 1)).astype(dtype), np.tile(y, steps)[:, None].astype(dtype)
    model.fit(Xr, yr, batch_size=n, epochs=1, shuffle=False, verbose=0)
    return numpy_of(layer.kernel)[:, 0].astype(np.float64), float(numpy_of(layer.bias)[0])


def _standardized_problem(seed):
    X, y = make_problem(60, 12, seed=seed)
    return (X - X.mean(axis=0)) / X.std(axis=0), y  # well conditioned: ISTA is quick


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("seed", [0, 1])
def test_proximal_sgd_dense_matches_penalized_lasso(seed, dtype):
    X, y = _standardized_problem(seed)
    alpha = 0.1 * penalized.alpha_max(X, y)
    ref = penalized.Lasso(alpha=alpha, tol=1e-12, max_iter=100000).fit(X, y)
    coef, intercept = _fit_linear(X, y, L1(alpha), dtype)
    assert_matches_reference(coef, intercept, ref)  # the same exact support too
    assert (coef == 0).sum() >= 3


def test_proximal_sgd_dense_matches_penalized_elastic_net():
    X, y = _standardized_problem(4)
    alpha = 0.2 * penalized.alpha_max(X, y)
    ref = penalized.ElasticNet(alpha=alpha, l1_ratio=0.6, tol=1e-12,
                               max_iter=100000).fit(X, y)
    coef, intercept = _fit_linear(X, y, ElasticNet(alpha, l1_ratio=0.6), "float64")
    assert_matches_reference(coef, intercept, ref)


def _sparse_task(n=200, p=20):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, p)).astype("float32")
    y = X[:, :3] @ np.array([2.0, -1.5, 1.0]) + 0.1 * rng.standard_normal(n)
    return X, y.astype("float32")[:, None]


def _mlp(penalty, hidden=8, p=20, act="tanh"):
    keras.utils.set_random_seed(0)
    return keras.Sequential([
        keras.Input((p,)),
        keras.layers.Dense(hidden, activation=act, kernel_regularizer=penalty, name="h"),
        keras.layers.Dense(1, name="o")])


SPARSE_OPTIMIZERS = {
    "SGD+momentum": lambda: keras.optimizers.SGD(0.05, momentum=0.9),
    "Adam": lambda: keras.optimizers.Adam(1e-2),
    "AdamW": lambda: keras.optimizers.AdamW(1e-2, weight_decay=1e-3),
}


@pytest.mark.parametrize("name", list(SPARSE_OPTIMIZERS))
def test_proximal_training_gives_exact_zeros_and_a_plain_regularizer_none(name):
    """L1 on the input layer of an MLP: with Proximal the irrelevant inputs get exactly
    zero weights (and the relevant ones keep theirs); the same regularizer used as a loss
    term with the same optimizer gives no exact zero."""
    X, y = _sparse_task()
    kernels = {}
    for prox in (True, False):
        pen = L1(0.05)
        model = _mlp(pen)
        opt = SPARSE_OPTIMIZERS[name]()
        model.compile(optimizer=Proximal(opt) if prox else opt, loss=half_mse)
        model.fit(X, y, batch_size=50, epochs=60, verbose=0)
        kernels[prox] = numpy_of(model.get_layer("h").kernel)
        losses = [float(numpy_of(v)) for v in model.losses]
        if prox:  # not a loss term under Proximal, but still reported by value()
            assert losses == [0.0] and pen.handled_by_proximal
            assert float(numpy_of(pen.value(model.get_layer("h").kernel))) > 0
        else:
            assert losses[0] > 0 and not pen.handled_by_proximal
    zero_inputs = (kernels[True] == 0).all(axis=1)
    assert not zero_inputs[:3].any() and (kernels[True][3:] == 0).mean() > 0.5
    if name != "SGD+momentum":  # (slower: it zeroes whole rows later)
        assert zero_inputs[3:].all()
    assert (kernels[False] == 0).sum() == 0


def _fit_group_lasso(axis):
    """The sparse task, and an MLP with 16 hidden units trained with GroupLasso(0.05,
    axis) on its hidden kernel under Proximal(Adam), and that kernel."""
    X, y = _sparse_task()
    model = _mlp(GroupLasso(0.05, axis=axis), hidden=16)
    model.compile(optimizer=Proximal(keras.optimizers.Adam(1e-2)), loss=half_mse)
    model.fit(X, y, batch_size=50, epochs=60, verbose=0)
    return X, y, model, numpy_of(model.get_layer("h").kernel)


def test_group_lasso_kills_whole_units_then_prune_keeps_predictions():
    X, y, model, kernel = _fit_group_lasso("units")
    dead = (kernel == 0).all(axis=0)
    assert 0 < dead.sum() < 16 and ((kernel == 0) == dead[None, :]).all()  # whole units
    report = sparsity_report(model)
    assert report.rows[0]["zero_units"] == dead.sum() and report.rows[0]["units"] == 16
    small = prune(model)
    assert small.get_layer("h").units == 16 - dead.sum()
    assert small.count_params() == model.count_params() - dead.sum() * (20 + 1 + 1)
    np.testing.assert_allclose(small.predict(X, verbose=0), model.predict(X, verbose=0),
                               atol=1e-5)
    # the pruned model keeps its regularizers and trains further with a new Proximal
    assert repr(small.get_layer("h").kernel_regularizer) == "GroupLasso(alpha=0.05, axis='units')"
    small.compile(optimizer=Proximal(keras.optimizers.Adam(1e-3)), loss=half_mse)
    small.fit(X, y, batch_size=100, epochs=1, verbose=0)


def test_group_lasso_over_inputs_with_adam_drops_exactly_the_irrelevant_inputs():
    _, _, _, kernel = _fit_group_lasso("inputs")
    zero_inputs = (kernel == 0).all(axis=1)
    assert not zero_inputs[:3].any() and zero_inputs[3:].all()
    assert (kernel == 0).sum() == 17 * 16  # whole rows, nothing else


# --------------------------------------------------------------------------- prune
def _set(layer, kernel=None, bias=None):
    w = layer.get_weights()
    if kernel is not None:
        w[0] = kernel
    if bias is not None:
        w[1] = bias
    layer.set_weights(w)


def _zero_unit_0(model, names):
    """Zero the input weights of unit 0 of each named Dense layer."""
    for name in names:
        k = numpy_of(model.get_layer(name).kernel)
        k[:, 0] = 0
        _set(model.get_layer(name), k)


@pytest.mark.parametrize("act", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_prune_removes_dead_units_and_keeps_predictions(kind, act):
    """Unit 1 of 'a' has no input weights (its constant elu(act(bias)) is folded into a
    bias that 'b' has to create), unit 3 of 'a' and unit 0 of 'b' no output weights;
    the pruned model has exactly their parameters fewer and the same outputs."""
    keras.utils.set_random_seed(1)
    layers = [keras.layers.Dense(5, activation=act, name="a"), keras.layers.Dropout(0.3),
              keras.layers.Activation("elu"), keras.layers.Dense(4, use_bias=False, name="b"),
              keras.layers.ReLU(), keras.layers.Dense(2, name="c")]
    if kind == "sequential":
        model = keras.Sequential([keras.Input((6,)), *layers])
    else:
        x = inp = keras.Input((6,))
        for layer in layers:
            x = layer(x)
        model = keras.Model(inp, x)
    a, b, c = (model.get_layer(n) for n in "abc")
    ka, kb = numpy_of(a.kernel), numpy_of(b.kernel)
    ka[:, 1] = 0
    kb[3, :] = 0
    _set(a, ka, bias=np.array([0.3, 0.7, -0.2, 0.1, 0.4], dtype="float32"))
    _set(b, kb)
    kc = numpy_of(c.kernel)
    kc[0, :] = 0  # b's unit 0 has no output weights
    _set(c, kc)
    X = np.random.default_rng(0).standard_normal((7, 6)).astype("float32")
    small = prune(model)
    assert type(small) is type(model) and not small.compiled
    assert [small.get_layer(n).units for n in "abc"] == [3, 3, 2]
    assert small.get_layer("b").use_bias  # created for the folded constant
    # a: 6 inputs -> 3 units + bias; b: 3 inputs -> 3 units + the new bias; c: 3 -> 2
    assert small.count_params() == (6 + 1) * 3 + (3 + 1) * 3 + (3 + 1) * 2
    assert model.count_params() == (6 + 1) * 5 + 5 * 4 + (4 + 1) * 2
    np.testing.assert_allclose(small.predict(X, verbose=0), model.predict(X, verbose=0),
                               atol=1e-5)
    assert prune(small).count_params() == small.count_params()  # nothing left to do


def test_prune_a_layer_whose_units_are_all_dead_keeps_one_silent_unit():
    keras.utils.set_random_seed(6)
    model = keras.Sequential([keras.Input((4,)),
                              keras.layers.Dense(3, activation="sigmoid", name="a"),
                              keras.layers.Dense(2, name="b")])
    _set(model.get_layer("a"), np.zeros((4, 3), dtype="float32"),
         bias=np.array([0.5, -1.0, 2.0], dtype="float32"))
    small = prune(model)
    assert small.get_layer("a").units == 1 and small.count_params() == (4 + 1) + (1 + 1) * 2
    X = np.random.default_rng(0).standard_normal((5, 4)).astype("float32")
    np.testing.assert_allclose(small.predict(X, verbose=0), model.predict(X, verbose=0),
                               atol=1e-6)


def test_prune_leaves_layers_that_are_not_safe_to_prune():
    keras.utils.set_random_seed(2)
    model = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(3, activation="softmax", name="soft"),  # not elementwise
        keras.layers.Dense(3, name="bn_before"),
        keras.layers.BatchNormalization(),  # not parameter-free
        keras.layers.Dense(2, name="last")])  # its units are the model's outputs
    _zero_unit_0(model, ("soft", "bn_before", "last"))
    small = prune(model)
    assert [small.get_layer(n).units for n in ("soft", "bn_before", "last")] == [3, 3, 2]
    X = np.random.default_rng(0).standard_normal((5, 4)).astype("float32")
    np.testing.assert_allclose(small.predict(X, verbose=0), model.predict(X, verbose=0),
                               atol=1e-6)


def test_prune_selected_layers_and_bad_input():
    keras.utils.set_random_seed(3)
    inp = keras.Input((4, 4, 1))
    x = keras.layers.Conv2D(2, 3, name="conv")(inp)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(3, activation="relu", name="h1")(x)
    h2 = keras.layers.Dense(3, name="h2")(x)
    out = keras.layers.Dense(1, name="out")(keras.layers.Add()([h2, x]))
    model = keras.Model(inp, out)
    _zero_unit_0(model, ("h1", "h2"))
    with pytest.raises(ValueError, match="'conv' is a Conv2D, not a Dense layer"):
        prune(model, layers=["conv"])
    with pytest.raises(ValueError, match="'h1' cannot be removed: its output does not feed"):
        prune(model, layers=["h1"])  # h1 feeds h2 and the Add
    with pytest.raises(ValueError, match="no layer named 'nope'"):
        prune(model, layers=["nope"])
    with pytest.raises(ValueError, match="prune takes a Sequential or functional"):
        prune(model.get_layer("conv"))

    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = keras.layers.Dense(2)

        def call(self, x):
            return self.d(x)

    sub = Sub()
    sub(np.zeros((1, 3), dtype="float32"))
    with pytest.raises(ValueError, match="subclassed model"):
        prune(sub)
    seq = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, name="a"),
                            keras.layers.Dense(3, name="b"), keras.layers.Dense(1, name="c")])
    _zero_unit_0(seq, "ab")
    small = prune(seq, layers=["b"])  # only b's units
    assert [small.get_layer(n).units for n in "abc"] == [3, 2, 1]


# --------------------------------------------------------------------------- report
def test_sparsity_report_counts():
    keras.utils.set_random_seed(4)
    model = keras.Sequential([
        keras.Input((5, 5, 2)),
        keras.layers.Conv2D(3, 2, name="conv", bias_regularizer=L1(0.1)),
        keras.layers.Flatten(),
        keras.layers.Dense(4, name="dense")])
    kc = numpy_of(model.get_layer("conv").kernel)
    kc[..., 1] = 0  # filter 1
    kc[:, :, 0, :] = 0  # input channel 0
    _set(model.get_layer("conv"), kc, bias=np.array([0.0, 1.0, 0.0], dtype="float32"))
    kd = numpy_of(model.get_layer("dense").kernel)
    kd[:7] = 0
    _set(model.get_layer("dense"), kd)
    report = sparsity_report(model)
    rows = {r["layer"]: r for r in report.rows}
    assert list(rows) == ["conv/kernel", "conv/bias", "dense/kernel"]  # + penalized bias
    conv = rows["conv/kernel"]
    assert conv["type"] == "Conv2D" and conv["shape"] == (2, 2, 2, 3)
    assert conv["zeros"] == int((kc == 0).sum()) == 4 * 3 + 4 * 2 - 4
    assert (conv["zero_units"], conv["units"], conv["zero_inputs"], conv["inputs"]) == (
        1, 3, 1, 2)
    assert (rows["conv/bias"]["zeros"], rows["conv/bias"]["zero_units"]) == (2, 2)
    assert rows["dense/kernel"]["zero_inputs"] == 7
    assert report.total["params"] == 24 + 3 + 48 * 4
    assert "conv/kernel" in str(report) and "zero units" in str(report)


# --------------------------------------------------------------------------- saving
def test_model_with_the_regularizers_and_proximal_saves_and_loads(tmp_path):
    """model.save / load_model: the regularizers, the Proximal and its state come back,
    and training goes on exactly as in the original."""
    X, y = _sparse_task(64, 6)
    keras.utils.set_random_seed(5)
    model = keras.Sequential([
        keras.Input((6,)),
        keras.layers.Dense(8, activation="relu", name="h",
                           kernel_regularizer=L1(1e-2) + GroupLasso(5e-2, axis="units")),
        keras.layers.Dense(1, name="o", kernel_regularizer=ElasticNet(1e-2, 0.3),
                           bias_regularizer=L2(1e-3))])
    model.compile(optimizer=Proximal(keras.optimizers.Adam(1e-2)), loss="mse")
    model.fit(X, y, batch_size=16, epochs=2, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    for name, attr in (("h", "kernel_regularizer"), ("o", "kernel_regularizer"),
                       ("o", "bias_regularizer")):
        got, want = (getattr(m.get_layer(name), attr) for m in (loaded, model))
        assert type(got) is type(want) and repr(got) == repr(want)
    assert isinstance(loaded.optimizer, Proximal)
    assert isinstance(loaded.optimizer.inner_optimizer, keras.optimizers.Adam)
    assert len(loaded.optimizer.penalized_variables) == 3
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables, strict=True):
        np.testing.assert_array_equal(numpy_of(a), numpy_of(b))
    for m in (model, loaded):
        m.fit(X, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert [float(numpy_of(v)) for v in loaded.losses] == [0.0, 0.0, 0.0]


# --------------------------------------------------------------------------- options
def test_release_makes_the_penalties_loss_terms_again():
    pen = L1(0.1)
    layer = dense(2, 3, kernel_regularizer=pen)
    opt = Proximal(keras.optimizers.SGD(0.1))
    opt.build(layer.trainable_variables)
    assert pen.handled_by_proximal and float(numpy_of(pen(layer.kernel))) == 0.0
    opt.release()
    assert not pen.handled_by_proximal
    want = 0.1 * np.abs(numpy_of(layer.kernel)).sum()
    assert float(numpy_of(pen(layer.kernel))) == pytest.approx(want, rel=1e-6)
    assert opt.penalized_variables == []


def test_unknown_optimizers_warn_and_step_options():
    with pytest.warns(UserWarning, match="does not know the step sizes of Nadam"):
        Proximal(keras.optimizers.Nadam(1e-3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Proximal(keras.optimizers.Nadam(1e-3), step="lr")
    calls = []

    def half_lr(optimizer, variable, lr, dtype):
        calls.append(variable.name)
        return 0.5 * lr

    layer = dense(2, 3, "float64")
    layer.kernel.regularizer = L1(0.2)
    w0 = numpy_of(layer.kernel)
    opt = Proximal(keras.optimizers.SGD(0.4), step=half_lr)
    opt.apply([ops.zeros(v.shape, dtype=v.dtype) for v in layer.trainable_variables],
              layer.trainable_variables)
    np.testing.assert_allclose(numpy_of(layer.kernel), soft(w0, 0.2 * 0.2), atol=1e-7)
    assert calls == ["kernel"]


def test_bad_input_messages():
    with pytest.raises(ValueError, match="'alpha' parameter must be >= 0.0, got -1.0"):
        L1(-1.0)
    with pytest.raises(ValueError, match="'alpha' parameter must be >= 0.0"):
        GroupLasso(-0.1)
    pen = L2(0.1)
    with pytest.raises(ValueError, match="'alpha'"):
        pen.alpha = -2
    assert pen.alpha == 0.1
    with pytest.raises(ValueError, match="l1_ratio"):
        ElasticNet(0.1, l1_ratio=1.5)
    with pytest.raises(ValueError, match="'axis' parameter must be 'units', 'inputs' or an "
                                         "int, got 'rows'"):
        GroupLasso(0.1, axis="rows")
    with pytest.raises(ValueError, match=r"axis='inputs' \(= -2\) does not exist for a "
                                         r"weight of shape \(4,\)"):
        GroupLasso(0.1, axis="inputs")(np.ones(4, dtype="float32"))
    layer = dense(2, 3, bias_regularizer=GroupLasso(0.1, axis=1))
    layer.bias.regularizer = GroupLasso(0.1, axis=1)
    with pytest.raises(ValueError, match=r"axis=1 does not exist for a weight of shape \(2,\)"):
        Proximal(keras.optimizers.SGD(0.1)).build(layer.trainable_variables)
    with pytest.raises(TypeError, match="PenaltySum takes Penalty objects"):
        PenaltySum([L1(0.1), keras.regularizers.L1(0.1)])
    with pytest.raises(ValueError, match="wraps a keras.optimizers.Optimizer"):
        Proximal(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1))
    with pytest.raises(ValueError, match="not another Proximal"):
        Proximal(Proximal(keras.optimizers.SGD(0.1)))
    with pytest.raises(ValueError, match="use_ema"):
        Proximal(keras.optimizers.Adam(use_ema=True))
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        Proximal(keras.optimizers.Adam(gradient_accumulation_steps=2))
    with pytest.raises(ValueError, match="'step' parameter must be 'auto', 'lr' or a callable"):
        Proximal(keras.optimizers.SGD(0.1), step="adam")
    with pytest.raises(ValueError, match="does not take 'learning_rate'"):
        Proximal(keras.optimizers.SGD(0.1), learning_rate=0.1)
