"""signalprio: green-wave signal preemption for fire engines on SUMO, measured against fire-cover plans."""

__version__ = "0.1.0"
