"""Reads of the assemblies area: permission-scoped querysets and `<entity>_get_for_user` helpers."""
