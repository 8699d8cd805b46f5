"""``python -m uqgenomics.cli``: the same as the ``uqgenomics`` command."""

from ._main import main

main()
