"""The numbered migrations (SQL files, and Python modules for changes of data)."""
