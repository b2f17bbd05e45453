"""The staff app: triage for unit staff, the summary for executives."""
