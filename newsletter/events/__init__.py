"""One event across issues: merge, look-alikes, SEQUENCE and the published record."""
