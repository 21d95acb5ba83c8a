"""`make bench`: throughput and ack latency of SendMessage against a real server subprocess.

Modules: `send_bench` (the command: orchestrates runs and prints the table), `load` (the separate
load process), `environment` (temporary databases, the server subprocess, CPU accounting) and
`profiling` (py-spy on the server and a summary of where its time goes).
"""
