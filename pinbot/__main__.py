"""`python -m pinbot` runs the CLI."""

from pinbot.cli import main

main()
