"""The finance API, one module per area (mounted under /api/v1/ by finance/api/urls.py)."""
