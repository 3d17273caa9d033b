"""Drift: the log of schema changes, installing its capture, and polling where no trigger fills it."""
