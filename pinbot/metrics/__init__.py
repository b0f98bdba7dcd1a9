"""The daily analytics sweep and the budget it spends."""
