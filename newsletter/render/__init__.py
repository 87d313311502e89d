"""Model -> bytes: every output rendered in memory; nothing here writes to disk."""
