"""Errors caused by the user's input: the CLI prints them as one line, without a traceback."""


class UserError(Exception):
    """Bad input or environment; the message names the file and field at fault."""
