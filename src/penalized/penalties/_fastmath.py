"""The fastmath flags of the numba scalars and kernels (the same as the elastic net's in
:mod:`penalized.penalties.separable`: reassociation lets LLVM vectorize reductions; no
'nnan' or 'ninf', as bounds and weights may be infinite)."""

FASTMATH = {"reassoc", "contract", "arcp", "nsz"}
