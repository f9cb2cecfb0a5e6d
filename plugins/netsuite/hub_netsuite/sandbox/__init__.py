"""Offline NetSuite sandbox emulator: SuiteTalk REST + SuiteQL over a SQLite account file.

Start one with :func:`hub_netsuite.sandbox.api.run_sandbox` (Python) or ``netsuite-sandbox serve``
(CLI, also ``hubctl netsuite-sandbox`` and ``python -m hub_netsuite.sandbox``). See
docs/netsuite-sandbox.md. Nothing is imported here, so importing the package stays cheap.
"""
