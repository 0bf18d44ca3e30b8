"""Writes of the networks area: `<entity>_<action>(*, actor, ...)`, keyword-only, typed, atomic."""
