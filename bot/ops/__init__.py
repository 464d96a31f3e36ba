"""Operating the bot as a service: health checks and Prometheus metrics over HTTP
(`ops.listen`). The core reports what happens through `core.delivery.observing`; nothing in
the core imports this package."""


class OpsUnavailable(Exception):
    """The endpoints cannot listen where `ops.listen` says (the port taken, say). Here, not
    beside the server, so that the command line can name it without importing aiohttp."""
