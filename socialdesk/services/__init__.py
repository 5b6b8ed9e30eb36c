"""Use cases and rules. No Qt here: the GUI, the command line and the tests share these services."""
