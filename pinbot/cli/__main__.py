"""`python -m pinbot.cli` runs the CLI (used by tests that start real subprocesses)."""

from pinbot.cli import main

main()
