"""The preview: a server, its build state, its HTTP handler."""
