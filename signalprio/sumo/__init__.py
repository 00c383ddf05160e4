"""The boundary to SUMO: binaries from the eclipse-sumo wheel, the static network, the live session."""
