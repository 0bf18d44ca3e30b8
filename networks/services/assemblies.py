"""Writes of the assemblies area: `<entity>_<action>(*, actor, ...)`, keyword-only, typed, atomic."""
