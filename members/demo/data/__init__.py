"""Reference tables of the demo: plain constants, no code."""
