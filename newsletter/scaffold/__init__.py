"""The editor's commands that write content: new, add, import-schedule."""
