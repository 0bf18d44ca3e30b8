"""Portal pages of the finance module, one module per area."""
