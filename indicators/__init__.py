"""Pure, synchronous, incremental indicator state: events in, snapshots out."""
