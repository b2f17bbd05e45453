"""The minimal reference service of ``benchmarks/side_by_side.py`` (issue 11 §1)."""
