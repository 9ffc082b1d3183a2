"""Errors raised for bad input data."""


class DataError(ValueError):
    """Input data is missing, malformed, or past its error budget.

    The message names what is wrong and where (file, line, record id).
    """
