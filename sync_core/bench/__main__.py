"""``python -m sync_core.bench``: see :mod:`sync_core.bench`."""

from . import main

main()
