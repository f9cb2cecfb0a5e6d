"""``python -m hub.cli`` runs ``hubctl``."""

from hub.cli import main

main()
