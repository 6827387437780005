"""``python -m trackerguard``: the same command line as the ``trackerguard`` script."""

from trackerguard.cli import entry

if __name__ == "__main__":  # pragma: no cover
    entry()
