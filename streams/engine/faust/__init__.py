"""The `Engine` over faust-streaming 0.15; README.md lists the faust bugs it works around."""
