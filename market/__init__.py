"""market: a cross-border trade matchmaking API for Central Asia."""
