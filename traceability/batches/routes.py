"""Route handlers of growing areas, batches and the farming diary (registered by the plugin)."""

ROUTES: list = []
