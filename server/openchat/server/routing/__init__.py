"""The message router: after persistence confirmation, every route runs for every message,
each isolated from the others."""
