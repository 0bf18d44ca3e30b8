"""The communications API, mounted under /api/v1/ (communications.plugin)."""
