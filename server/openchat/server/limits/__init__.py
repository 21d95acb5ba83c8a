"""Rate limiters: token buckets by key, in this process or shared by every node in Redis."""
