"""A/B design tests: plan, rounds, status and verdict."""
