"""Render, claim, post, record; and settling pins whose outcome is unknown."""
