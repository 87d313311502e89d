"""The email edition: its HTML, size budget, plain text and MIME message."""
