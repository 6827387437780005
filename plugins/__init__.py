"""Built-in tracker adapters, installed as ``trackerguard.plugins``."""
