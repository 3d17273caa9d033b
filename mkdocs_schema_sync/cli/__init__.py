"""The click shell: `main` (the group) and one module per command group."""

from .main import main

__all__ = ["main"]
