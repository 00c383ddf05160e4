"""Scenario builders: networks from plain XML, OpenStreetMap or road descriptions, and their demand.

They run SUMO's tools (netconvert, randomTrips.py) and write files; nothing in a run imports them.
"""
