"""Route handlers of stamps, print sheets, the public scan page and trace API (registered by the plugin)."""

ROUTES: list = []
# Lifespan hooks (e.g. the background renderer of large issuances): callables taking no arguments.
ON_STARTUP: list = []
ON_SHUTDOWN: list = []
