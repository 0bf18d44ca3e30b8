"""Assembly sessions: delegate accreditation, quorum, motions and their tallies; a closed
record is immutable. (Filled by the assemblies area.)"""

__all__: list[str] = []
