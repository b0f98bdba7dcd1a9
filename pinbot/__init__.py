"""pinbot: a self-hosted Pinterest marketing bot for small craft shops."""

__version__ = "0.1.0"
