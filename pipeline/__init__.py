"""Orchestration and the command line: python -m pipeline."""
