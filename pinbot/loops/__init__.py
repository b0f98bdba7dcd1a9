"""Loops: standing orders that bring the shop's products back to their boards as fresh pins."""
