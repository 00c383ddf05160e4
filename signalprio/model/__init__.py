"""The simulator-free model of a network: signals, their links and foes, programs and safety timings.

Everything a controller, the conflict monitor or experiment validation needs to know about a
network, as plain immutable data. Nothing here imports SUMO: `signalprio.sumo.loader` fills
these types from a .net.xml file, and tests can build them by hand.
"""
