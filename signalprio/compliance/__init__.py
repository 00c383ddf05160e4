"""Compliance with fire-service requirement plans, computed from result tables only."""
