"""Backend-agnostic pieces shared by :mod:`penalized.torch` and :mod:`penalized.keras`.

* :mod:`.formulas`: penalty values, proximal operators and optimizer step sizes, written
  once against a small numpy-like array namespace ``xp`` (each adapter passes its own);
* :mod:`.table`: the table printed by ``sparsity_report``.

Nothing here imports torch or keras.
"""
