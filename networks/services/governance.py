"""Writes of the governance area: `<entity>_<action>(*, actor, ...)`, keyword-only, typed, atomic."""
