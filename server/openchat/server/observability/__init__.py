"""Metrics (Prometheus) and their HTTP endpoint."""
