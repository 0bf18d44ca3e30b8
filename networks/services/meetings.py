"""Writes of the meetings area: `<entity>_<action>(*, actor, ...)`, keyword-only, typed, atomic."""
