"""Forms of the finance pages, one module per topic."""
