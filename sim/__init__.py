"""demandsim: a discrete-event simulator of police contact and response demand."""

__version__ = "0.1.0"
