"""Triage that learns: confirmed examples, the similarity memory, and the classifier over it."""
