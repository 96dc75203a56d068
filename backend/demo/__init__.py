"""Demo data for `servicehall seed`: a park to try every role in. Not rules."""
