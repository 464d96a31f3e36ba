"""Operating the bot as a service: health checks and Prometheus metrics over HTTP
(`ops.listen`). The core reports what happens through `core.delivery.observing`; nothing in
the core imports this package."""
