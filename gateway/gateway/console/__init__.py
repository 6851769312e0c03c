"""The operators' console: Jinja2 templates (gateway/templates/), the gateway's own static
assets (gateway/static/, vendored htmx, its SSE extension and uPlot), and the pure helpers the
pages of gateway.pages render with (times, the saga timeline)."""
