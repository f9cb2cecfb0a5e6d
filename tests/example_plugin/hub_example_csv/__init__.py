"""An example Collections Hub connector that reads CSV files (see docs/writing-a-connector.md)."""
