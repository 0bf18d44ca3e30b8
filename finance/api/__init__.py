"""The finance API, one module per area."""
