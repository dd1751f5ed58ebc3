"""penalized.torch: penalties, proximal optimizers, schedules, attach/detach, reports, prune.

Reference values are computed here by hand, by autograd, by optimality conditions, by the
optimizers' own updates, or by :class:`penalized.Lasso` / :class:`penalized.ElasticNet`
(the same problem solved by coordinate descent). CUDA variants run when a GPU is present.
"""

import os
import re
import shutil

import pytest

torch = pytest.importorskip("torch")

from _nn_helpers import (  # noqa: E402
    assert_matches_reference,
    import_without,
    lipschitz,
    one_thread,  # noqa: F401  (autouse fixture)
    run_doctests,
)
from torch import nn  # noqa: E402

import penalized  # noqa: E402
from conftest import make_problem  # noqa: E402
from penalized.torch import (  # noqa: E402
    L1,
    L2,
    ElasticNet,
    ExponentialPenalty,
    GroupLasso,
    LambdaPenalty,
    LinearPenalty,
    PenaltySum,
    Proximal,
    attached_penalties,
    prune,
    regularization_loss,
    sparsity_report,
)
from penalized.torch._prox import group_soft_threshold_, soft_threshold_  # noqa: E402
from penalized.torch._steps import step_function  # noqa: E402

CUDA = torch.cuda.is_available()
DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not CUDA, reason="no GPU"))]
DTYPES = [torch.float32, torch.float64, torch.bfloat16]


def _dynamo_supported():
    try:
        from torch._dynamo.eval_frame import is_dynamo_supported
        return bool(is_dynamo_supported())
    except Exception:  # pragma: no cover - very old or stripped torch builds
        return False


needs_compile = pytest.mark.skipif(not _dynamo_supported(),
                                   reason="torch.compile is not supported on this platform")


def mlp(p=6, h=5, out=2, act=nn.ReLU, dtype=torch.float32, device="cpu", seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(p, h), act(), nn.Linear(h, out)).to(device, dtype)


def _tol(dtype):
    return {torch.float64: 1e-10, torch.float32: 1e-5, torch.bfloat16: 2e-2}[dtype]


# --------------------------------------------------------------------------- import
def test_import_penalized_does_not_import_torch_and_missing_torch_gives_install_hint():
    res = import_without("torch")
    assert res.returncode == 0, res.stderr
    assert 'pip install "penalized[torch]"' in res.stdout


def test_docstring_examples_run():
    import penalized.torch as pt

    failed, attempted = run_doctests(pt)
    assert failed == 0 and attempted > 60
    for name in pt.__all__:  # every public object has an Examples section
        assert "Examples\n" in getattr(pt, name).__doc__, name


# --------------------------------------------------------------------------- values
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_values_match_hand_computation(device, dtype):
    model = mlp(dtype=dtype, device=device)
    w0, w2 = (model[0].weight.detach().double().cpu(), model[2].weight.detach().double().cpu())
    l1 = w0.abs().sum() + w2.abs().sum()
    sq = (w0 ** 2).sum() + (w2 ** 2).sum()
    cases = [
        (L1(0.3), 0.3 * l1),
        (L2(0.3), 0.15 * sq),
        (ElasticNet(0.3, l1_ratio=0.25), 0.3 * (0.25 * l1 + 0.75 / 2 * sq)),
        (GroupLasso(0.3), 0.3 * (w0.norm(dim=1).sum() + w2.norm(dim=1).sum())),
        (GroupLasso(0.3, dim="in"), 0.3 * (w0.norm(dim=0).sum() + w2.norm(dim=0).sum())),
        (GroupLasso(0.3, size_weighted=True),
         0.3 * (6 ** 0.5 * w0.norm(dim=1).sum() + 5 ** 0.5 * w2.norm(dim=1).sum())),
        (L1(0.3, select={"0.weight": 2.0, "2.*": 0.5}),
         0.3 * (2 * w0.abs().sum() + 0.5 * (w2.abs().sum() + model[2].bias.double().abs()
                                            .sum().cpu()))),
        (L1(0.1) + L2(0.2), 0.1 * l1 + 0.1 * sq),
    ]
    for pen, want in cases:
        got = pen(model)
        assert got.device.type == device and got.ndim == 0
        assert got.dtype == (torch.float64 if dtype == torch.float64 else torch.float32)
        assert abs(got.item() - want.item()) <= _tol(dtype) * max(1.0, abs(want.item())), pen
        assert abs(pen.value(model).item() - got.item()) < 1e-6 and not pen.value(
            model).requires_grad


def test_sums_of_penalties():
    model = mlp()
    a, b, c = L1(0.1), L2(0.2), GroupLasso(0.3)
    total = sum([a, b, c])
    assert isinstance(total, PenaltySum) and total.leaves() == [a, b, c]
    assert (a + (b + c)).leaves() == [a, b, c]
    torch.testing.assert_close(total(model), a(model) + b(model) + c(model))
    assert repr(a + b) == "PenaltySum([L1(alpha=0.1), L2(alpha=0.2)])"
    with pytest.raises(TypeError, match="Penalty"):
        PenaltySum([a, 0.5])


def test_conv_groups_are_channels():
    conv = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ConvTranspose2d(4, 2, 3))
    w, wt = conv[0].weight.detach(), conv[1].weight.detach()  # (4,3,3,3) and (4,2,3,3)
    want_out = w.flatten(1).norm(dim=1).sum() + wt.transpose(0, 1).flatten(1).norm(dim=1).sum()
    want_in = w.transpose(0, 1).flatten(1).norm(dim=1).sum() + wt.flatten(1).norm(dim=1).sum()
    assert torch.allclose(GroupLasso(1.0, dim="out")(conv), want_out)
    assert torch.allclose(GroupLasso(1.0, dim="in")(conv), want_in)
    assert torch.allclose(GroupLasso(1.0, dim=2, select="0.weight")(conv),
                          w.transpose(0, 2).flatten(1).norm(dim=1).sum())


@pytest.mark.parametrize("device", DEVICES)
def test_gradients_by_autograd(device):
    model = mlp(device=device, dtype=torch.float64)
    with torch.no_grad():
        model[0].weight[0, :2] = 0.0
        model[2].weight[1] = 0.0  # a zero group
    w0 = model[0].weight
    cases = [
        (L1(0.7), lambda w: 0.7 * torch.sign(w)),
        (L2(0.7), lambda w: 0.7 * w),
        (ElasticNet(0.7, 0.4), lambda w: 0.7 * (0.4 * torch.sign(w) + 0.6 * w)),
        (GroupLasso(0.7), lambda w: 0.7 * w / w.norm(dim=1, keepdim=True).clamp(min=1e-300)),
    ]
    for pen, grad in cases:
        model.zero_grad()
        pen(model).backward()
        nz = w0 != 0
        assert torch.allclose(w0.grad[nz], grad(w0.detach())[nz]), pen
        assert model[0].bias.grad is None  # biases are never selected by default
        assert torch.isfinite(model[2].weight.grad).all()
    model.zero_grad()
    GroupLasso(0.7)(model).backward()
    assert (model[2].weight.grad[1] == 0).all()  # zero group: subgradient 0, not NaN


# --------------------------------------------------------------------------- selection
def test_default_selection_and_selectors():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(10, 4)
            self.conv = nn.Conv1d(4, 4, 3)
            self.bn = nn.BatchNorm1d(4)
            self.ln = nn.LayerNorm(4)
            self.fc1 = nn.Linear(4, 8)
            self.fc2 = nn.Linear(8, 2)
            self.scale = nn.Parameter(torch.ones(2))

    net = Net()

    def names(**kw):
        return [n for n, _ in L1(1.0, **kw).named_parameters(net)]

    assert names() == ["conv.weight", "fc1.weight", "fc2.weight"]
    assert names(select=nn.Linear) == ["fc1.weight", "fc2.weight"]
    assert names(select=(nn.Embedding, nn.BatchNorm1d)) == ["emb.weight", "bn.weight"]
    assert names(select="fc*") == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert names(select=re.compile(r"fc\d\.weight")) == ["fc1.weight", "fc2.weight"]
    assert names(select=[net.scale, "ln.*"]) == ["scale", "ln.weight", "ln.bias"]
    assert names(select=net.fc2) == ["fc2.weight"]
    assert names(select=lambda n, p, m: p.ndim == 1 and n.startswith("b")) == ["bn.weight",
                                                                              "bn.bias"]
    assert names(select={"fc1.weight": 2.0, nn.Linear: 1.0}) == ["fc1.weight", "fc2.weight"]


def test_bad_input_messages():
    model = mlp()
    with pytest.raises(ValueError, match="'alpha'.*>= 0"):
        L1(-1.0)
    with pytest.raises(TypeError, match="'alpha'"):
        L2("big")
    pen = L1(1.0)
    with pytest.raises(ValueError, match="'alpha'"):
        pen.alpha = -0.1
    assert pen.alpha == 1.0
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="'l1_ratio'"):
            ElasticNet(1.0, l1_ratio=bad)
    en = ElasticNet(1.0, 0.5)
    with pytest.raises(ValueError, match="'l1_ratio'"):
        en.l1_ratio = 2.0
    assert en.l1_ratio == 0.5
    with pytest.raises(ValueError, match="'dim'"):
        GroupLasso(1.0, dim="rows")
    with pytest.raises(ValueError, match=r"dim=3 does not exist for parameter '0.weight' "
                                         r"of shape \(5, 6\)"):
        GroupLasso(1.0, dim=3)(model)
    with pytest.raises(ValueError, match=r"dim='in'.*'0.bias'"):
        GroupLasso(1.0, dim="in", select="0.bias")(model)
    with pytest.raises(ValueError, match="selects no parameter"):
        L1(1.0, select="decoder.*")(model)
    with pytest.raises(ValueError, match="selects no parameter"):
        L1(1.0)(nn.Sequential(nn.ReLU()))
    with pytest.raises(ValueError, match="not part of"):
        L1(1.0, select=nn.Linear(2, 2).weight)(model)
    with pytest.raises(TypeError, match="'select' must be"):
        L1(1.0, select=3)
    with pytest.raises(ValueError, match="scale"):
        L1(1.0, select={"0.weight": -1.0})
    with pytest.raises(TypeError, match="nn.Module"):
        L1(1.0)(torch.zeros(3))

    class NoLr(torch.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"momentum": 0.9})

    with pytest.raises(TypeError, match="no learning rate 'lr'"):
        Proximal(NoLr(model.parameters()), L1(1.0), model)
    with pytest.raises(ValueError, match="not in the optimizer"):
        Proximal(torch.optim.SGD(model[2].parameters(), lr=0.1), L1(1.0), model)
    with pytest.raises(ValueError, match="dim=3 does not exist"):
        Proximal(torch.optim.SGD(model.parameters(), lr=0.1), GroupLasso(1.0, dim=3), model)
    with pytest.raises(ValueError, match="attach the penalty"):
        Proximal(torch.optim.SGD(model.parameters(), lr=0.1), L1(1.0))
    with pytest.raises(TypeError, match="torch.optim.Optimizer"):
        Proximal(object(), L1(1.0), model)
    with pytest.raises(TypeError, match="Penalty"):
        Proximal(torch.optim.SGD(model.parameters(), lr=0.1), 0.1, model)
    with pytest.raises(ValueError, match="'step'"):
        Proximal(torch.optim.SGD(model.parameters(), lr=0.1), L1(1.0), model, step="adam")


# --------------------------------------------------------------------------- prox operators
@pytest.mark.parametrize("device", DEVICES)
def test_group_prox_satisfies_optimality_conditions(device):
    """Per-coordinate steps (Adam metric): KKT of argmin sum (z-w)^2/(2 eta) + lam ||z_g||."""
    g = torch.Generator().manual_seed(0)
    for _ in range(20):
        w = torch.randn(6, 7, generator=g, dtype=torch.float64) * 3
        eta = torch.exp(torch.randn(6, 7, generator=g, dtype=torch.float64) * 3)
        lam = float(torch.rand((), generator=g)) * float((w / eta).norm(dim=1).median())
        z = group_soft_threshold_(w.clone().to(device), lam, 0, eta.to(device)).cpu()
        for i in range(6):
            if z[i].abs().sum() == 0:
                assert (w[i] / eta[i]).norm() <= lam * (1 + 1e-12)
            else:
                resid = (z[i] - w[i]) / eta[i] + lam * z[i] / z[i].norm()
                assert resid.norm() <= 1e-9 * (w[i] / eta[i]).norm()
    # one step for all coordinates: block soft-thresholding in closed form
    w = torch.randn(5, 4, generator=g, dtype=torch.float64)
    z = group_soft_threshold_(w.clone(), 0.8, 1, 0.5)
    norms = w.norm(dim=0, keepdim=True)
    assert torch.allclose(z, w * torch.clamp(1 - 0.4 / norms, min=0))
    assert torch.equal(soft_threshold_(torch.tensor([-2.0, -0.5, 0.3, 1.5]), 1.0),
                       torch.tensor([-1.0, 0.0, 0.0, 0.5]))


def test_combined_prox_is_the_exact_prox_of_the_sum():
    """L1 + elastic net + group lasso on one parameter with SGD: a directional-derivative
    optimality check of argmin ||z - w||^2 / (2 lr) + penalty(z)."""
    torch.manual_seed(3)
    lin = nn.Linear(5, 4, bias=False).double()
    with torch.no_grad():
        lin.weight.mul_(4.0)
    w = lin.weight.detach().clone()
    lr = 0.7
    pen = L1(0.1) + ElasticNet(0.2, 0.5) + GroupLasso(0.3, dim="in")
    opt = Proximal(torch.optim.SGD(lin.parameters(), lr=lr), pen, lin)
    lin.weight.grad = torch.zeros_like(w)
    opt.step()  # zero gradient: the step is the prox alone
    z = lin.weight.detach().clone()
    assert (z == 0).any() and (z != 0).any()

    def _value(v):
        return float(((v - w) ** 2).sum() / (2 * lr) + 0.1 * v.abs().sum()
                     + 0.2 * (0.5 * v.abs().sum() + 0.25 * (v * v).sum())
                     + 0.3 * v.norm(dim=0).sum())

    f0 = _value(z)
    g = torch.Generator().manual_seed(0)
    for _ in range(300):
        d = torch.randn(4, 5, generator=g, dtype=torch.float64)
        d = d * (torch.rand(4, 5, generator=g) < 0.5)
        assert _value(z + 1e-6 * d) >= f0 - 1e-12

    quad = float(((z - w) ** 2).sum() / (2 * lr))
    assert abs(pen.value(lin).item() - (f0 - quad)) < 1e-10


# --------------------------------------------------------------------------- Proximal
def _fit_linear(X, y, penalty, *, max_iter=20000):
    """Full-batch proximal gradient (ISTA) with lr = 1/L on 1/(2n)||y - Xw - b||^2."""
    Xt, yt = torch.tensor(X), torch.tensor(y)
    model = nn.Linear(X.shape[1], 1, dtype=torch.float64)
    nn.init.zeros_(model.weight)
    nn.init.zeros_(model.bias)
    opt = Proximal(torch.optim.SGD(model.parameters(), lr=1.0 / lipschitz(X)), penalty, model)
    for it in range(max_iter):
        opt.zero_grad()
        (0.5 * ((model(Xt).squeeze(1) - yt) ** 2).mean()).backward()
        old = model.weight.detach().clone()
        opt.step()
        if it % 20 == 0 and (model.weight.detach() - old).abs().max() < 1e-14:
            break
    return model.weight.detach().numpy()[0], model.bias.item()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_proximal_sgd_matches_penalized_lasso(seed):
    X, y = make_problem(60, 12, seed=seed)
    alpha = 0.1 * penalized.alpha_max(X, y)
    ref = penalized.Lasso(alpha=alpha, fit_intercept=True, tol=1e-10, max_iter=100000).fit(X, y)
    coef, intercept = _fit_linear(X, y, L1(alpha))
    assert_matches_reference(coef, intercept, ref)  # the same exact support too
    assert (coef == 0).sum() >= 3


def test_proximal_sgd_matches_penalized_elastic_net():
    X, y = make_problem(60, 12, seed=4)
    alpha = 0.2 * penalized.alpha_max(X, y)
    ref = penalized.ElasticNet(alpha=alpha, l1_ratio=0.6, tol=1e-10, max_iter=100000).fit(X, y)
    coef, intercept = _fit_linear(X, y, ElasticNet(alpha, l1_ratio=0.6))
    assert_matches_reference(coef, intercept, ref, same_support=False)


def _sparse_task(n=200, p=20, k=3, dtype=torch.float32, device="cpu"):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(n, p, generator=g)
    y = X[:, :k] @ torch.tensor([2.0, -1.5, 1.0]) + 0.1 * torch.randn(n, generator=g)
    return X.to(device, dtype), y.to(device, dtype)


def _train_sparse_task(mode, *, hidden, opt_name, steps, dtype=torch.float32, device="cpu",
                       alpha=0.05, penalty=None):
    X, y = _sparse_task(dtype=dtype, device=device)
    torch.manual_seed(0)
    layers = [nn.Linear(20, hidden), nn.Tanh(), nn.Linear(hidden, 1)] if hidden else [
        nn.Linear(20, 1)]
    model = nn.Sequential(*layers).to(device, dtype)
    pen = penalty or L1(alpha, select="0.weight")  # the input layer only
    wd = alpha if mode == "weight_decay" else 0.0
    base = (torch.optim.SGD(model.parameters(), lr=0.05, weight_decay=wd) if opt_name == "sgd"
            else torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=wd))
    opt = Proximal(base, pen, model) if mode == "proximal" else base
    for _ in range(steps):
        opt.zero_grad()
        loss = 0.5 * ((model(X).squeeze(1) - y) ** 2).mean()
        if mode == "gradient":
            loss = loss + pen(model)
        loss.backward()
        opt.step()
    return model[0].weight.detach()


@pytest.mark.parametrize("hidden,opt_name,steps", [(0, "sgd", 300), (16, "adam", 300)])
def test_proximal_l1_zeroes_exactly_the_irrelevant_inputs(hidden, opt_name, steps):
    kw = {"hidden": hidden, "opt_name": opt_name, "steps": steps}
    W = _train_sparse_task("proximal", **kw)
    zero_cols = (W == 0).all(dim=0)
    assert zero_cols[3:].all() and not zero_cols[:3].any()
    for mode in ("weight_decay", "gradient"):
        W = _train_sparse_task(mode, **kw)
        assert (W == 0).sum() == 0, mode  # plain weight decay or an L1 loss term: no zeros


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("group", [False, True])
def test_proximal_adam_zeros_on_device_and_dtype(device, dtype, group):
    """L1, or group lasso over input columns (per-coordinate Adam metric, Newton radius)."""
    pen = GroupLasso(0.05, dim="in", select="0.weight") if group else None
    W = _train_sparse_task("proximal", hidden=8, opt_name="adam", steps=200, dtype=dtype,
                           device=device, penalty=pen)
    assert W.dtype == dtype and W.device.type == device
    zero_cols = (W == 0).all(dim=0)
    assert zero_cols[3:].all() and not zero_cols[:3].any()
    if group:  # whole columns, nothing else
        assert (W == 0).sum() == 17 * W.shape[0]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("cls,kw", [
    (torch.optim.Adam, {}), (torch.optim.Adam, {"amsgrad": True}),
    (torch.optim.AdamW, {"weight_decay": 0.0}), (torch.optim.Adamax, {}),
    (torch.optim.Adagrad, {}), (torch.optim.RMSprop, {}),
    (torch.optim.RMSprop, {"centered": True}), (torch.optim.SGD, {"momentum": 0.9}),
])
def test_step_sizes_are_the_optimizers_own(cls, kw, device):
    """On the first step every optimizer here moves by exactly -eta * grad; the prox then
    soft-thresholds by eta * alpha, per coordinate."""
    torch.manual_seed(0)
    lr, alpha = 0.05, 0.3
    a = nn.Linear(6, 3, dtype=torch.float64, device=device)
    b = nn.Linear(6, 3, dtype=torch.float64, device=device)
    b.load_state_dict(a.state_dict())
    x = torch.randn(8, 6, dtype=torch.float64, device=device)
    plain = cls(a.parameters(), lr=lr, **kw)
    prox = Proximal(cls(b.parameters(), lr=lr, **kw), L1(alpha), b)
    w_init = a.weight.detach().clone()
    for model, opt in ((a, plain), (b, prox)):
        opt.zero_grad()
        model(x).pow(2).sum().backward()
        opt.step()
    g = b.weight.grad
    eta = step_function(prox.optimizer)(b.weight, prox.param_groups[0],
                                         prox.state[b.weight])
    w_plain = a.weight.detach()
    torch.testing.assert_close(w_plain, w_init - eta * g)  # the optimizer's own step
    want = torch.sign(w_plain) * torch.clamp(w_plain.abs() - eta * alpha, min=0)
    torch.testing.assert_close(b.weight.detach(), want)  # soft-thresholded by eta * alpha
    if cls is not torch.optim.SGD:
        assert isinstance(eta, torch.Tensor) and eta.shape == g.shape  # per coordinate
    torch.testing.assert_close(b.bias.detach(), a.bias.detach())  # biases unpenalized


def test_decoupled_l2_is_adamw_and_the_sgd_prox():
    torch.manual_seed(0)
    x, y = torch.randn(64, 6, dtype=torch.float64), torch.randn(64, 2, dtype=torch.float64)
    lr, lam, steps = 1e-3, 0.5, 50
    a, b, c = (mlp(dtype=torch.float64) for _ in range(3))
    opt_a = torch.optim.AdamW(a.parameters(), lr=lr, weight_decay=lam)
    # AdamW decays every parameter; here the penalty selects them all as well
    opt_b = Proximal(torch.optim.Adam(b.parameters(), lr=lr), L2(lam, select="*"), b)
    opt_c = torch.optim.Adam(c.parameters(), lr=lr, weight_decay=lam)  # coupled L2
    for _ in range(steps):
        for model, opt in ((a, opt_a), (b, opt_b), (c, opt_c)):
            opt.zero_grad()
            ((model(x) - y) ** 2).mean().backward()
            opt.step()

    def gap(m1, m2):
        return max((p - q).abs().max().item()
                   for p, q in zip(m1.parameters(), m2.parameters(), strict=True))

    # w / (1 + lr lam) after the step vs w (1 - lr lam) before it: O(lr^2 lam) per step
    assert gap(a, b) < 2 * lr * lr * lam * steps
    assert gap(a, c) > 10 * gap(a, b)  # unlike Adam's coupled weight_decay
    # SGD: the exact prox of lam/2 ||w||^2, i.e. (w - lr g) / (1 + lr lam)
    lin = nn.Linear(3, 1)
    w0 = lin.weight.detach().clone()
    opt = Proximal(torch.optim.SGD(lin.parameters(), lr=0.1), L2(2.0), lin)
    lin(torch.ones(1, 3)).sum().backward()
    opt.step()
    torch.testing.assert_close(lin.weight.detach(), (w0 - 0.1) / 1.2)


def test_group_lasso_training_kills_whole_neurons_then_prune_keeps_outputs():
    X, y = _sparse_task()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(),
                          nn.Linear(16, 1))
    pen = L1(0.02, select="0.weight") + GroupLasso(0.05, select=["0.weight", "2.weight"])
    opt = Proximal(torch.optim.Adam(model.parameters(), lr=1e-2), pen, model)
    for _ in range(200):
        opt.zero_grad()
        (0.5 * ((model(X).squeeze(1) - y) ** 2).mean()).backward()
        opt.step()
    report = sparsity_report(model)
    dead = {r["layer"]: r["zero_rows"] for r in report.rows}
    assert dead["0.weight"] > 0 and dead["2.weight"] > 0
    for name in ("0.weight", "2.weight"):  # rows are entirely zero or have some non-zero
        W = model.get_submodule(name[0]).weight
        assert ((W == 0).all(dim=1) == (W.abs().sum(dim=1) == 0)).all()
    model.eval()
    with torch.no_grad():
        before = model(X)
    n_before = sum(p.numel() for p in model.parameters())
    removed = prune(model)
    assert removed == {"0": dead["0.weight"], "2": dead["2.weight"]}
    with torch.no_grad():
        torch.testing.assert_close(model(X), before, atol=1e-5, rtol=1e-5)
    assert sum(p.numel() for p in model.parameters()) < n_before


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("act", [nn.ReLU, nn.Sigmoid, nn.Tanh])
def test_prune_keeps_outputs_and_removes_the_pruned_fraction(act, device):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(7, 10), act(), nn.Dropout(0.2),
                          nn.Sequential(nn.Linear(10, 6), act()), nn.Linear(6, 3)).double()
    model = model.to(device)
    fc1, fc2, fc3 = model[0], model[3][0], model[4]
    with torch.no_grad():
        fc1.weight[[1, 4, 7]] = 0.0  # dead inputs, non-zero biases: constants folded
        fc2.weight[:, 2] = 0.0  # unit 2 of fc1 unused by fc2
        fc2.weight[[0, 5]] = 0.0
    x = torch.randn(50, 7, dtype=torch.float64, device=device)
    model.eval()
    with torch.no_grad():
        before = model(x)
    n_before = sum(p.numel() for p in model.parameters())
    removed = prune(model)
    assert removed == {"0": 4, "3.0": 2}
    assert (fc1.out_features, fc2.in_features, fc2.out_features, fc3.in_features) == (6, 6, 4, 4)
    # fc1 loses 4 rows of 7 weights + 4 biases, fc2 4 columns of 6 then 2 rows of 6 weights
    # + 2 biases, fc3 2 columns of 3
    assert n_before - sum(p.numel() for p in model.parameters()) == 4 * 8 + 4 * 6 + 2 * 7 + 2 * 3
    with torch.no_grad():
        torch.testing.assert_close(model(x), before, atol=1e-6, rtol=0)


def test_prune_explicit_pairs_and_float32():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2 = nn.Linear(5, 8), nn.Linear(8, 2, bias=False)

        def forward(self, x):
            return self.fc2(torch.sigmoid(self.fc1(x)))

    torch.manual_seed(1)
    net = Net()
    with torch.no_grad():
        net.fc1.weight[[0, 3, 6]] = 0.0
    x = torch.randn(20, 5)
    before = net(x)
    assert prune(net) == {}  # no Sequential: nothing is guessed
    assert prune(net, pairs=[("fc1", "fc2", torch.sigmoid)]) == {"fc1": 3}
    assert net.fc2.bias is not None  # sigmoid(bias) of dead units folded into a new bias
    torch.testing.assert_close(net(x), before, atol=1e-6, rtol=1e-6)
    with pytest.raises(TypeError, match="triples"):
        prune(net, pairs=[("fc1", "fc2")])


def test_sparsity_report_counts():
    model = nn.Sequential(nn.Conv2d(2, 3, 3), nn.Flatten(), nn.Linear(12, 4))
    with torch.no_grad():
        model[0].weight[1] = 0.0  # one filter
        model[0].weight[:, 0] = 0.0  # one input channel
        model[2].weight[:, [0, 5]] = 0.0
    rows = {r["layer"]: r for r in sparsity_report(model).rows}
    conv = rows["0.weight"]
    assert (conv["zeros"], conv["zero_rows"], conv["rows"], conv["zero_cols"], conv["cols"]) == (
        9 * 4, 1, 3, 1, 2)
    lin = rows["2.weight"]
    assert (lin["zeros"], lin["zero_rows"], lin["zero_cols"], lin["params"]) == (8, 0, 2, 48)
    text = str(sparsity_report(model))
    assert "zero rows" in text and "0.weight" in text and "total" in text
    assert sparsity_report(model, select="2.bias").rows[0]["layer"] == "2.bias"


# --------------------------------------------------------------------------- strengths
def test_alpha_settable_schedules_and_checkpoints():
    model = mlp()
    pen = L1(0.2) + GroupLasso(0.4)
    v = pen(model).item()
    sched = LinearPenalty(pen, start_factor=0.0, end_factor=1.0, total_iters=4)
    assert [leaf.alpha for leaf in pen.leaves()] == [0.0, 0.0] and pen(model).item() == 0
    for _ in range(2):
        sched.step()
    assert sched.get_last_alpha() == pytest.approx([0.1, 0.2])
    assert pen(model).item() == pytest.approx(v / 2, rel=1e-6)
    state = sched.state_dict()
    pen2 = L1(0.2) + GroupLasso(0.4)
    sched2 = LinearPenalty(pen2, total_iters=4)
    sched2.load_state_dict(state)
    assert sched2.get_last_alpha() == pytest.approx([0.1, 0.2])
    for s in (sched, sched2):
        for _ in range(5):
            s.step()
    assert sched2.get_last_alpha() == sched.get_last_alpha() == pytest.approx([0.2, 0.4])
    e = L2(1.0)
    ExponentialPenalty(e, gamma=0.5).step()
    assert e.alpha == 0.5
    lam = L1(1.0)
    sched = LambdaPenalty(lam, lambda t: 10.0 ** -t)
    sched.step()
    sched.step()
    assert lam.alpha == pytest.approx(0.01) and "fn" not in sched.state_dict()
    with pytest.raises(ValueError, match="factor"):
        LambdaPenalty(L1(1.0), lambda t: -1.0)
    with pytest.raises(ValueError, match="gamma"):
        ExponentialPenalty(L1(1.0), gamma=0.0)
    with pytest.raises(TypeError, match="Penalty"):
        LinearPenalty(0.1)


def test_alpha_changes_are_used_by_the_prox_and_per_group_scales():
    lin = nn.Sequential(nn.Linear(4, 4, bias=False), nn.Linear(4, 4, bias=False)).double()
    with torch.no_grad():
        for m in lin:
            m.weight.fill_(1.0)
    pen = L1(0.0, select={"0.weight": 2.0, "1.weight": 0.5})
    opt = Proximal(torch.optim.SGD(lin.parameters(), lr=0.1), pen, lin)

    def prox_step():
        for m in lin:
            m.weight.grad = torch.zeros_like(m.weight)
        opt.step()

    prox_step()
    assert (lin[0].weight == 1.0).all()  # alpha = 0: nothing happens
    pen.alpha = 1.0
    prox_step()  # thresholds lr * alpha * scale = 0.2 and 0.05
    assert torch.allclose(lin[0].weight, torch.tensor(0.8, dtype=torch.float64))
    assert torch.allclose(lin[1].weight, torch.tensor(0.95, dtype=torch.float64))


def test_lr_scheduler_and_state_dict_through_the_wrapper():
    lin = nn.Linear(3, 1, bias=False)
    with torch.no_grad():
        lin.weight.fill_(1.0)
    opt = Proximal(torch.optim.SGD(lin.parameters(), lr=0.1), L1(1.0), lin)
    lr_sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(2):
        lin.weight.grad = torch.zeros_like(lin.weight)
        opt.step()
        lr_sched.step()
    # thresholds 0.1 then 0.05
    assert torch.allclose(lin.weight, torch.tensor(0.85))
    assert opt.param_groups[0]["lr"] == opt.optimizer.param_groups[0]["lr"] == 0.025
    plain = torch.optim.SGD(lin.parameters(), lr=1.0)
    plain.load_state_dict(opt.state_dict())
    assert plain.param_groups[0]["lr"] == 0.025

    def closure():
        opt.zero_grad()
        loss = lin(torch.ones(1, 3)).sum()
        loss.backward()
        return loss

    assert isinstance(opt.step(closure), torch.Tensor)


def test_frozen_parameters_copies_and_pickles():
    import copy
    import pickle

    model = mlp()
    model[0].requires_grad_(False)  # frozen layer: selected, never updated, not in the optimizer
    pen = L1(0.1)
    opt = Proximal(torch.optim.SGD(model[2].parameters(), lr=0.1), pen, model)
    assert [item.name for item in opt._items] == ["2.weight"]
    for clone in (copy.deepcopy(pen), pickle.loads(pickle.dumps(pen))):
        assert clone.alpha == 0.1 and not clone.handled_by_proximal
        torch.testing.assert_close(clone(model), pen.value(model))


def test_unknown_optimizer_warns_and_step_options():
    lin = nn.Linear(3, 1)
    with pytest.warns(UserWarning, match="does not know the step sizes of NAdam"):
        Proximal(torch.optim.NAdam(lin.parameters(), lr=0.1), L1(1.0), lin)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Proximal(torch.optim.NAdam(lin.parameters(), lr=0.1), L1(1.0), lin, step="lr")
    with torch.no_grad():
        lin.weight.fill_(1.0)
    opt = Proximal(torch.optim.SGD(lin.parameters(), lr=0.0), L1(1.0), lin,
                   step=lambda p, group, state: 0.25)
    opt.param_groups[0]["lr"] = 1e-12  # the custom step ignores lr
    lin.weight.grad = torch.zeros_like(lin.weight)
    opt.step()
    assert torch.allclose(lin.weight, torch.tensor(0.75))


# --------------------------------------------------------------------------- attach/detach
def test_attach_detach_and_regularization_loss():
    model = mlp()
    assert regularization_loss(model).item() == 0.0
    l1, gl = L1(0.1), GroupLasso(0.2)
    h1 = l1.attach(model)
    gl.attach(model[2])  # attach to a submodule: evaluated there
    assert l1.attach(model) is not None and len(attached_penalties(model)) == 2  # idempotent
    want = l1(model) + gl(model[2])
    torch.testing.assert_close(regularization_loss(model), want)
    loss = regularization_loss(model)
    loss.backward()
    assert model[0].weight.grad is not None
    h1.remove()
    torch.testing.assert_close(regularization_loss(model), gl(model[2]))
    gl.detach()
    assert regularization_loss(model).item() == 0.0 and attached_penalties(model) == []
    with L2(1.0).attach(model) as pen:
        assert regularization_loss(model).item() == pytest.approx(pen(model).item())
    assert regularization_loss(model).item() == 0.0
    with pytest.raises(ValueError, match="selects no parameter"):
        L1(1.0, select="nothing").attach(model)


def test_proximal_penalty_cannot_be_added_to_the_loss_twice():
    model = mlp()
    pen = L1(0.1)
    grad_pen = L2(0.01)
    pen.attach(model)
    grad_pen.attach(model)
    opt = Proximal(torch.optim.Adam(model.parameters(), lr=1e-2), pen)  # model from attach
    assert pen.handled_by_proximal and not grad_pen.handled_by_proximal
    with pytest.raises(RuntimeError, match="applied by a Proximal optimizer"):
        pen(model)
    with pytest.raises(RuntimeError, match="applied by a Proximal optimizer"):
        (pen + grad_pen)(model)
    # regularization_loss keeps only the gradient-based penalty
    torch.testing.assert_close(regularization_loss(model), grad_pen(model))
    assert pen.value(model).item() > 0
    opt.release()
    assert not pen.handled_by_proximal
    torch.testing.assert_close(regularization_loss(model), grad_pen(model) + pen(model))
    pen.detach()
    grad_pen.detach()


# --------------------------------------------------------------------------- torch.compile
@needs_compile
def test_penalties_compile_in_one_graph_and_alpha_changes_do_not_recompile():
    torch._dynamo.reset()
    graphs = []

    def counting_backend(gm, example_inputs):
        graphs.append(gm)
        return gm.forward

    model = mlp()
    pen = L1(0.1, select={"0.weight": 2.0, nn.Linear: 1.0}) + GroupLasso(0.05, dim="in")
    attached = L2(0.3)
    attached.attach(model)
    x, y = torch.randn(8, 6), torch.randn(8, 2)

    def loss_fn(x, y):
        return ((model(x) - y) ** 2).mean() + pen(model) + regularization_loss(model)

    compiled = torch.compile(loss_fn, backend=counting_backend, fullgraph=True)
    try:
        for alpha in (0.1, 0.7, 0.0):
            pen.leaves()[0].alpha = alpha
            attached.alpha = alpha / 2
            torch.testing.assert_close(compiled(x, y), loss_fn(x, y))
        assert len(graphs) == 1
        compiled(x, y).backward()
        assert model[0].weight.grad is not None
    finally:
        attached.detach()
        torch._dynamo.reset()


@needs_compile
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # emitted inside inductor
@pytest.mark.parametrize("device", DEVICES)
def test_training_a_compiled_model_with_proximal(device):
    """Inductor when a C compiler exists (its first compile takes 10-15 s on 2 CPU cores),
    else aot_eager; PENALIZED_TEST_COMPILE_BACKEND=aot_eager skips inductor's codegen."""
    torch._dynamo.reset()
    backend = os.environ.get("PENALIZED_TEST_COMPILE_BACKEND") or (
        "inductor" if device == "cuda" or shutil.which("cc") or shutil.which("gcc")
        else "aot_eager")
    X, y = _sparse_task(device=device)
    results = []
    for compiled in (False, True):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(20, 8), nn.Tanh(), nn.Linear(8, 1)).to(device)
        opt = Proximal(torch.optim.Adam(model.parameters(), lr=1e-2),
                       L1(0.05, select="0.weight"), model)
        net = torch.compile(model, backend=backend) if compiled else model
        for _ in range(60):
            opt.zero_grad()
            (0.5 * ((net(X).squeeze(1) - y) ** 2).mean()).backward()
            opt.step()
        results.append(model[0].weight.detach())
    torch._dynamo.reset()
    eager, comp = results
    torch.testing.assert_close(comp, eager, atol=1e-4, rtol=1e-4)
    assert ((comp == 0) == (eager == 0)).float().mean() > 0.98 and (comp == 0).any()
