"""``prune(model)``: a smaller model without the dead units of Dense layers."""

import keras
import numpy as np

__all__ = ["prune"]

_ELEMENTWISE_ACTIVATIONS = tuple(
    f for f in (getattr(keras.activations, name, None) for name in (
        "linear", "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu",
        "swish", "hard_silu", "hard_swish", "mish", "sigmoid", "hard_sigmoid", "tanh",
        "hard_tanh", "softplus", "softsign", "exponential", "log_sigmoid", "sparse_plus",
        "squareplus", "tanh_shrink", "hard_shrink", "soft_shrink", "threshold"))
    if f is not None)

_ELEMENTWISE_LAYERS = tuple(
    c for c in (getattr(keras.layers, name, None) for name in (
        "ReLU", "LeakyReLU", "ELU", "Dropout", "GaussianNoise", "GaussianDropout",
        "AlphaDropout", "Identity"))
    if c is not None)


def _elementwise_activation(fn):
    return any(fn is f for f in _ELEMENTWISE_ACTIVATIONS)


def _elementwise(layer):
    """A parameter-free layer that acts on each unit separately (in inference)."""
    if isinstance(layer, keras.layers.Activation):
        return _elementwise_activation(layer.activation)
    return isinstance(layer, _ELEMENTWISE_LAYERS) and not layer.weights


def _prunable_dense(layer):
    """A plain Dense layer (no LoRA, not quantized) whose units may be removed."""
    return (isinstance(layer, keras.layers.Dense) and layer.built
            and not getattr(layer, "lora_enabled", False)
            and getattr(layer, "quantization_mode", None) is None
            and [v.name for v in layer.weights] in (["kernel"], ["kernel", "bias"]))


def _first_of_pair(layer):
    """A Dense layer whose units may be removed: plain, with an elementwise activation."""
    return _prunable_dense(layer) and _elementwise_activation(layer.activation)


def _pair(a, following):
    """``(a, b, between)`` when the layers ``following`` ``a`` are elementwise ones
    (``between``) up to a prunable Dense layer ``b``; None when another layer comes
    first or the layers run out."""
    between = []
    for b in following:
        if isinstance(b, keras.layers.Dense):
            return (a, b, between) if _prunable_dense(b) else None
        if not _elementwise(b):
            return None
        between.append(b)
    return None


def _sequential_pairs(model):
    """(a, b, between) for Dense -> elementwise* -> Dense in a Sequential model."""
    layers = model.layers
    pairs = [_pair(a, layers[i + 1:]) for i, a in enumerate(layers) if _first_of_pair(a)]
    return [p for p in pairs if p is not None]


def _functional_pairs(model):
    """(a, b, between) for Dense -> elementwise* -> Dense chains in a functional graph,
    where each output feeds only the next layer (and is not a model output)."""
    nodes = [n for depth in model._nodes_by_depth.values() for n in depth]
    node_ids = {id(n) for n in nodes}
    outputs = {id(t) for t in model.outputs}

    def own_nodes(layer):
        return [n for n in layer._inbound_nodes if id(n) in node_ids]

    def single_call(layer):
        mine = own_nodes(layer)
        if len(mine) != 1 or len(mine[0].input_tensors) != 1 or len(mine[0].outputs) != 1:
            return None
        return mine[0]

    def consumer(tensor):
        users = [n for n in nodes if any(t is tensor for t in n.input_tensors)]
        return users[0].operation if len(users) == 1 and id(tensor) not in outputs else None

    def following(node):
        """The layers after ``node`` along a chain of single calls with one consumer."""
        tensor = node.outputs[0]
        while True:
            b = consumer(tensor)
            b_node = single_call(b) if isinstance(b, keras.layers.Layer) else None
            if b_node is None:
                return
            yield b
            tensor = b_node.outputs[0]

    pairs = []
    for a in model.layers:
        node = single_call(a) if _first_of_pair(a) else None
        pair = None if node is None else _pair(a, following(node))
        if pair is not None:
            pairs.append(pair)
    return pairs


def _constant(a, between, bias):
    """What the units of ``a`` output when their input weights are all zero."""
    x = keras.ops.convert_to_tensor(bias[None, :].astype(a.compute_dtype))
    x = a.activation(x)
    for layer in between:
        x = layer(x, training=False)
    return np.asarray(keras.ops.convert_to_numpy(x), dtype=np.float64)[0]


def prune(model, layers=None):
    """A smaller copy of ``model`` without the dead hidden units of its Dense layers.

    A hidden unit ``j`` between two Dense layers ``a -> (elementwise) -> b`` is dead when
    its input weights (column ``j`` of ``a.kernel``) are all zero, as after
    ``GroupLasso(axis="units")`` with :class:`Proximal`, or when its output weights (row
    ``j`` of ``b.kernel``) are all zero, as after ``GroupLasso(axis="inputs")``. The copy
    has ``a`` with fewer units and ``b`` with fewer inputs. A unit with zero input
    weights still outputs the constant ``between(activation(a.bias[j]))``; it is folded
    into ``b.bias`` (created if needed), so the copy computes the same function (in
    inference; with dropout active only in distribution). A layer whose units are all
    dead keeps one, with zero weights (Keras layers need at least one unit).

    Parameters
    ----------
    model : keras.Sequential or functional keras.Model
        Built. Pairs are a Dense layer followed, through parameter-free elementwise layers
        (Activation, ReLU, LeakyReLU, ELU, Dropout, noise layers, Identity), by another
        Dense layer; ``a``'s own activation must be elementwise (not softmax), and in a
        functional model ``a``'s output must feed only that chain. Nested models are
        copied unchanged.
    layers : list of str, default=None
        Names of the Dense layers whose units may be removed; None means all of them.

    Returns
    -------
    pruned : keras.Model
        A new, uncompiled model of the same kind, with the same layer names, weights
        and regularizers (compile it before training it further).

    Examples
    --------
    >>> import numpy as np
    >>> import keras
    >>> from penalized.keras import prune
    >>> keras.utils.set_random_seed(0)
    >>> model = keras.Sequential([keras.Input((4,)),
    ...                           keras.layers.Dense(3, activation="relu", name="hidden"),
    ...                           keras.layers.Dense(2, name="out")])
    >>> kernel = model.get_layer("hidden").kernel.numpy()
    >>> kernel[:, 1] = 0                                  # unit 1 has no input weights
    >>> _ = model.get_layer("hidden").kernel.assign(kernel)
    >>> small = prune(model)
    >>> small.get_layer("hidden").units, small.count_params(), model.count_params()
    (2, 16, 23)
    >>> x = np.random.default_rng(0).standard_normal((5, 4)).astype("float32")
    >>> bool(np.allclose(small.predict(x, verbose=0), model.predict(x, verbose=0),
    ...                  atol=1e-6))
    True
    """
    if not isinstance(model, keras.Model):
        raise ValueError(
            f"prune takes a Sequential or functional keras.Model, got "
            f"{type(model).__name__}.")
    if isinstance(model, keras.Sequential):
        pairs = _sequential_pairs(model)
    elif hasattr(model, "_nodes_by_depth") and hasattr(model, "_operations"):
        pairs = _functional_pairs(model)
    else:
        raise ValueError(
            f"prune supports Sequential and functional models; {type(model).__name__} is "
            "a subclassed model, whose call() cannot be rewritten. Build the network as a "
            "Sequential or functional model to prune it.")
    if not model.built or not model.weights:
        raise ValueError("prune needs a built model (call it on data or give it an Input).")
    if layers is not None:
        pairs = _only(model, pairs, layers)

    arrays = {layer.name: [np.asarray(w) for w in layer.get_weights()]
              for layer in model.layers}
    units, add_bias = {}, set()
    for a, b, between in pairs:
        ka, kb = arrays[a.name][0], arrays[b.name][0]
        ba = arrays[a.name][1] if len(arrays[a.name]) == 2 else np.zeros(ka.shape[1], ka.dtype)
        dead_in = np.all(ka == 0, axis=0)
        dead_out = np.all(kb == 0, axis=1)
        remove = dead_in | dead_out
        if not remove.any():
            continue
        const = np.where(dead_in & ~dead_out, _constant(a, between, ba), 0.0)
        shift = const[remove] @ kb[remove].astype(np.float64)
        keep = ~remove
        silent = np.zeros_like(keep)
        if not keep.any():  # Keras needs a unit: keep one that contributes nothing
            keep[0] = silent[0] = True
        wb = arrays[b.name]
        if np.any(shift != 0):
            if len(wb) == 1:
                wb.append(np.zeros(kb.shape[1], kb.dtype))
                add_bias.add(b.name)
            wb[1] = (wb[1] + shift).astype(kb.dtype)
        wb[0] = np.where(silent[:, None], 0, kb)[keep]
        arrays[a.name][0] = np.where(silent[None, :], 0, ka)[:, keep]
        if len(arrays[a.name]) == 2:
            arrays[a.name][1] = np.where(silent, 0, arrays[a.name][1])[keep]
        units[a.name] = int(keep.sum())

    def clone(layer):
        config = layer.get_config()
        if layer.name in units:
            config["units"] = units[layer.name]
        if layer.name in add_bias:
            config["use_bias"] = True
        return layer.__class__.from_config(config)

    pruned = _clone(model, clone)
    for layer in model.layers:
        if arrays[layer.name]:
            pruned.get_layer(layer.name).set_weights(arrays[layer.name])
    return pruned


def _clone(model, clone):
    """A copy of ``model`` with the layers ``clone(layer)``, not compiled (clone_model
    would compile the copy as the original, e.g. with a new optimizer)."""
    if isinstance(model, keras.Sequential):
        inp = model.inputs[0]
        return keras.Sequential(
            [keras.Input(batch_shape=inp.shape, dtype=inp.dtype),
             *(clone(layer) for layer in model.layers)],
            name=model.name, trainable=model.trainable)
    view = keras.Model(model.input, model.output, name=model.name)  # uncompiled
    return keras.models.clone_model(view, clone_function=clone)


def _only(model, pairs, names):
    by_name = {a.name: (a, b, between) for a, b, between in pairs}
    out = []
    for name in names:
        try:
            layer = model.get_layer(name)
        except ValueError as exc:
            raise ValueError(f"prune: the model has no layer named {name!r}.") from exc
        if not isinstance(layer, keras.layers.Dense):
            raise ValueError(
                f"prune: layer {name!r} is a {type(layer).__name__}, not a Dense layer; "
                "only the units of Dense layers are removed.")
        if name not in by_name:
            raise ValueError(
                f"prune: the units of Dense layer {name!r} cannot be removed: its output "
                "does not feed only another Dense layer through elementwise layers (it is "
                "an output of the model, feeds several layers or a non-elementwise one, or "
                "its activation is not elementwise).")
        out.append(by_name[name])
    return out
