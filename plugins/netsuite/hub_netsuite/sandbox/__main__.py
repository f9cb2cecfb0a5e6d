"""``python -m hub_netsuite.sandbox serve ...``."""

from hub_netsuite.sandbox.cli import main

main()
