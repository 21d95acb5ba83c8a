"""The OpenChat server."""
