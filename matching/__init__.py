"""Matching: the population DB adapter and import, blocking, comparison, the model, decisions."""
