"""The real-time layer: session streams, their heartbeats, and fan-out to them."""
