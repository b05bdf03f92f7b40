"""The ``ibl`` command, and how SIGTERM / Ctrl-C stop it."""
