"""Reads of the finance module, one module per topic."""
