"""Meetings of a body or a network: agenda, minutes, attendance, agreements and their follow-up
actions. (Filled by the meetings area.)"""

__all__: list[str] = []
