"""Declared listings (online selling we do not sync) and the supplier households of cooperative products."""
