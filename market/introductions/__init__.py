"""Introductions: a request about another organization's listing, answered by its owner (double
opt-in), then a conversation with quotes and an outcome; and each organization's responsiveness."""
