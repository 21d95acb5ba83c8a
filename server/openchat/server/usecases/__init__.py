"""The use cases: what the RPCs do, in terms of domain objects and ports."""
