"""Pins in, and when they go out: the queue service, the planner, the pre-publish lint."""
