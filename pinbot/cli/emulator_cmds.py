"""Placeholder until its issue lands; registers no command yet."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    return None
