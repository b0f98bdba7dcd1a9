"""The shop's numbers grouped every useful way, and the stop/start/continue/change advice."""
