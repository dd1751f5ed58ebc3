"""Numba options shared by every kernel (no imports: loading it costs nothing).

``FASTMATH``: the fastmath flags of the numba scalars and kernels (reassociation lets LLVM
vectorize reductions; no 'nnan' or 'ninf', as bounds and weights may be infinite).

``INTERNAL``: the options of a kernel that only other kernels call. Numba then builds no
CPython wrapper and no C callback for it: a cold first ``Lasso().fit`` compiles about 50
such callees, and their wrappers (lowering plus LLVM) were 1-1.5 s of its 11-12 s. Called
from Python, such a function would crash the interpreter, so
``tests/test_kernel_options.py`` checks that no Python code (library, tests, benchmarks)
names one outside a kernel.
"""

FASTMATH = {"reassoc", "contract", "arcp", "nsz"}
INTERNAL = {"no_cpython_wrapper": True, "no_cfunc_wrapper": True}
