"""Backend-agnostic pieces shared by :mod:`penalized.torch` and :mod:`penalized.keras`.

* :mod:`.formulas`: penalty values, proximal operators and optimizer step sizes, written
  once against a small numpy-like array namespace ``xp`` (each adapter builds its own
  with :func:`.formulas.namespace`);
* :mod:`.penalty`: what the penalty objects share (``+`` and sums, ``alpha``,
  ``l1_ratio``, pickling without the Proximal owners, the group axis checks);
* :mod:`.proximal`: what the ``Proximal`` wrappers share (the choice of step function,
  the sum of a weight's prox terms, attributes delegated to the wrapped optimizer);
* :mod:`.table`: the table printed by ``sparsity_report``, and its rows.

Nothing here imports torch or keras.
"""
