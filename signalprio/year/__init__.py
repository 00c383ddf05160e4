"""A year of incidents: the incident stream, which units are free to go, and the year's Erreichungsgrad.

The year's Erreichungsgrad is what a requirement plan is measured by; when the nearest station's unit is out on
another incident the next one comes from farther away, and signal priority changes how long units are out.
"""
