"""Clinical-trial pre-screening bot: criteria as data, a three-valued engine, Rasa adapters."""

__version__ = "0.1.0"
