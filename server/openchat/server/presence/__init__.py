"""Presence: which users have live sessions, in-process for one node and in Redis for many."""
