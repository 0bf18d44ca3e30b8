"""Reads of the member registry: permission-scoped querysets and `<entity>_get_for_user`
access helpers. One module per area; this package re-exports them."""
