"""``python cli.py ...`` from a checkout: the same app as the ``demandsim`` command."""

from sim.cli import app, main

__all__ = ["app", "main"]

if __name__ == "__main__":
    main()
