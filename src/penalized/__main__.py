"""``python -m penalized``: the ``penalized`` command (see :mod:`penalized.cli`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
