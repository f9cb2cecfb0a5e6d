"""Collections Hub plugin package `hub_netsuite`."""
