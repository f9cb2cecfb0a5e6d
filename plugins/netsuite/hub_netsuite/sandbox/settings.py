"""`SandboxSettings`: the features and user preferences of the emulated account."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SandboxSettings:
    """Account features and user preferences the emulated account has."""

    account_id: str = "1234567_SB1"
    timezone: str = "America/Los_Angeles"
    #: User preference formats used for unwrapped SuiteQL dates and ``q`` filter dates.
    date_format: str = "M/D/YYYY"
    datetime_format: str = "M/D/YYYY h:mm am"
    oneworld: bool = False
    multi_currency: bool = True
    #: SuiteQL tables the role may not see ("Record 'x' was not found.").
    hidden_tables: frozenset[str] = frozenset()
    #: UNCONFIRMED (reference §7.4): whether applying a payment bumps the invoice's
    #: ``lastmodifieddate``. Connectors should also poll the link table either way.
    payment_touches_invoice: bool = True
    #: UNCONFIRMED: item lines of invoices/credit memos carry GL-signed (negative) amounts in
    #: ``transactionline`` as practitioners report; the main line is positive.
    signed_line_amounts: bool = True
    #: SuiteQL constructs this account refuses with "Invalid or unsupported search", to test a
    #: client's fallbacks for what is UNCONFIRMED on real accounts: ``"listagg"`` (LISTAGG
    #: anywhere) and ``"link_subquery"`` (a subquery reading a ``*TransactionLineLink`` table).
    refused_constructs: frozenset[str] = frozenset()
