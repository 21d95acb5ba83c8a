"""Event buses: in-process for one node, Redis pub/sub for many."""
