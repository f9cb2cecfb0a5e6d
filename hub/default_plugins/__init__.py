"""Features of the core that ship as plugins, registered through the same hooks as third parties."""
