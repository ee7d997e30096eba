"""The one exception a caller needs: the run as a whole cannot go on."""


class SalesbookError(Exception):
    """The run as a whole cannot go on (folder missing, nothing to read, output not writable).

    The CLI prints its message as one line and exits with status 2; never a traceback.
    """
