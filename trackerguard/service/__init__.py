"""The webhook service (``trackerguard serve``)."""
