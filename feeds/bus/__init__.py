"""Desk mode: one collector, many screens, over NATS JetStream.

A collector runs the feeds once and publishes every event to a JetStream
stream (``BusSink``, feeds/bus/sink.py); any number of viewers read it back as
one more feed (``BusFeed``, feeds/bus/feed.py), warm-start from it and resume
after a drop with nothing lost and nothing doubled.  The wire format is the
recording's (feeds/bus/wire.py), so a stream reads forward-compatibly as a
recording does.  ``nats`` is imported only by the modules that talk to the
server (connection, sink, feed): the settings and the wire are light.
"""

#: The feed names of desk mode's own health, beside the collector's feeds:
#: the viewer's (or the collector's) connection to the bus, and the collector
#: as its heartbeat tells it.
BUS_FEED = "bus"
COLLECTOR_FEED = "collector"
