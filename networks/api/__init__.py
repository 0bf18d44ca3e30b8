"""The networks API."""
