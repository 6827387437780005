"""Built-in tracker adapter package."""
