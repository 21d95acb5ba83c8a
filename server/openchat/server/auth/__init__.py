"""Bearer tokens: HS256 JWTs whose `sub` is the user id."""
