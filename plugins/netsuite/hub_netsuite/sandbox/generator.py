"""Deterministic generator of a realistic NetSuite account for the sandbox.

Same seed and ``today`` give the same database. The account has several currencies, payment
terms, customers with contacts and custom fields, invoices with 1-5 lines spread over 18 months
(current, 1-30, 31-60, 61-90 and 90+ days overdue), pending-approval and voided invoices,
payments applied across several invoices (some partially, some leaving unapplied amounts) and a
few credit memos. Amounts are integer cents while generating and written as decimal text.
"""

from __future__ import annotations

import random
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hub_netsuite.sandbox.schema import TABLES, VIEWS

#: (id, name, ISO code, display symbol, rate to USD, is base)
CURRENCIES = (
    (1, "US Dollar", "USD", "$", "1", "T"),
    (2, "Euro", "EUR", "€", "1.0843", "F"),
    (3, "British Pound", "GBP", "£", "1.2712", "F"),
    (4, "Canadian Dollar", "CAD", "C$", "0.7391", "F"),
)
#: (id, name, days until net due, discount percent, days until discount expiry)
TERMS = (
    (1, "Net 15", 15, None, None),
    (2, "Net 30", 30, None, None),
    (3, "Net 60", 60, None, None),
    (4, "Due on receipt", 0, None, None),
    (5, "1% 10 Net 30", 30, "1", 10),
)
#: (id, item id, description, unit price in cents)
ITEMS = (
    (11, "SVC-CONSULT", "Consulting services (hourly)", 17500),
    (12, "SVC-IMPL", "Implementation package", 450000),
    (13, "SUB-STD", "Standard subscription (monthly)", 9900),
    (14, "SUB-PRO", "Professional subscription (monthly)", 29900),
    (15, "HW-SENSOR", "Sensor unit", 12950),
    (16, "HW-GATEWAY", "Gateway appliance", 89900),
    (17, "SVC-SUPPORT", "Premium support (annual)", 240000),
    (18, "SVC-TRAIN", "Training day", 120000),
    (19, "FEE-SHIP", "Shipping and handling", 2500),
    (20, "LIC-ADDON", "Add-on license", 4900),
)

_PREFIXES = (
    "Acme Alder Apex Arbor Atlas Aurora Beacon Birch Blue Bright Cedar Cobalt Crest Delta Eagle "
    "Echo Ember Falcon Fjord Global Granite Harbor Helix Horizon Iron Juniper Keystone Lakeside "
    "Lumen Maple Meridian Nimbus Northwind Oak Orbit Pacific Pinnacle Quartz Redwood Riverside "
    "Sierra Silver Summit Terra Tidewater Union Vertex Willow Zenith"
).split()
_CORES = (
    "Analytics Bakery Builders Capital Chemicals Consulting Dynamics Electric Energy Engineering "
    "Foods Freight Health Industries Instruments Labs Logistics Machines Media Metals Motors "
    "Networks Outfitters Partners Pharma Plastics Robotics Software Supply Systems Textiles "
    "Tools Travel Ventures Works"
).split()
_SUFFIXES = ("Inc.", "LLC", "Corp", "Ltd", "GmbH", "S.A.", "Co.", "Group", "plc", "B.V.")
_FIRST = (
    "Ada Alan Alice Anna Ben Carla Chen Daniel Elena Emma Felix Grace Hana Ivan Jonas Julia "
    "Karim Laura Lucas Maria Mateo Mia Noah Nora Olga Omar Paul Priya Rosa Sam Sara Sofia Tom "
    "Uma Victor Yuki Zoe"
).split()
_LAST = (
    "Adams Baker Becker Chen Costa Dubois Evans Fischer Garcia Hansen Ivanova Jensen Kim Kowalski "
    "Lee Martin Meyer Moreau Nakamura Novak Patel Rossi Santos Schmidt Silva Smith Taylor Tanaka "
    "Weber Wilson Young Zhang"
).split()
_TITLES = ("AP Manager", "Controller", "CFO", "Accounts Payable Clerk", "Office Manager", None)
_REGIONS = ("NA-West", "NA-East", "EMEA", "APAC", "LATAM")
_LANGUAGES = ("en", "de", "fr", "es")

CUSTOMER_ID_BASE = 100
TRANSACTION_ID_BASE = 1000


@dataclass(frozen=True)
class GeneratorOptions:
    """Sizes, seed and the account's notion of now."""

    customers: int
    invoices: int
    payments: int
    seed: int
    today: date
    now: datetime
    timezone: ZoneInfo
    multi_currency: bool = True
    signed_line_amounts: bool = True
    payment_touches_invoice: bool = True


def cents_text(cents: int) -> str:
    """Decimal text of an integer amount of cents (``-1234`` -> ``"-12.34"``)."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


@dataclass
class _Txn:
    type: str
    customer: int
    trandate: date
    created: datetime
    currency: int
    rate: str
    total: int
    key: tuple[Any, ...] = ()
    duedate: date | None = None
    terms: int | None = None
    status: str = "A"
    approval: int = 2
    voided: bool = False
    lines: list[tuple[int, int, int, int]] = field(default_factory=list)  # item, qty, rate, amt
    paid: int = 0
    used: int = 0
    applications: list[tuple[_Txn, int]] = field(default_factory=list)
    modified: datetime | None = None
    method: int | None = None
    id: int = 0
    tranid: str = ""


HISTORY_GAP = timedelta(hours=2)
"""How long before "now" the generated account's history ends."""
HISTORY_SPREAD_SECONDS = 2 * 86400
"""Changes that would fall after the cutoff are spread over this many seconds before it."""


class _Generator:
    def __init__(self, options: GeneratorOptions) -> None:
        self.o = options
        self.rng = random.Random(options.seed)
        self.now = options.now.astimezone(UTC)
        #: Generated history stops a little before now, as in a real account: clamping to now
        #: itself piled thousands of records onto one instant, inside every sync's overlap window.
        self.cutoff = self.now - HISTORY_GAP
        # A separate stream, so capping does not shift the main sequence (same accounts per seed).
        self.cap_rng = random.Random(options.seed ^ 0x5EED)

    # -- helpers -------------------------------------------------------------------------------
    def stamp(self, day: date) -> datetime:
        """A business-hours local time on ``day`` as UTC, never after the history cutoff."""
        rng = self.rng
        local = datetime(
            day.year, day.month, day.day, rng.randint(8, 17), rng.randint(0, 59),
            rng.randint(0, 59), tzinfo=self.o.timezone,
        )  # fmt: skip
        return self.cap(local.astimezone(UTC))

    def cap(self, moment: datetime) -> datetime:
        """``moment``, or, if it lies after the history cutoff, a time in the two days before it.

        Spreading (rather than clamping to the cutoff) keeps thousands of records from sharing one
        instant inside every incremental sync's overlap window.
        """
        if moment <= self.cutoff:
            return moment
        return self.cutoff - timedelta(seconds=self.cap_rng.randint(0, HISTORY_SPREAD_SECONDS))

    @staticmethod
    def text(value: datetime) -> str:
        return value.strftime("%Y-%m-%d %H:%M:%S")

    def rate(self, currency: int) -> str:
        if currency == 1:
            return "1"
        jitter = Decimal(self.rng.randint(-200, 200)) / 10000
        return str(
            (Decimal(CURRENCIES[currency - 1][4]) * (1 + jitter)).quantize(Decimal("0.0001"))
        )

    # -- entities --------------------------------------------------------------------------------
    def customers(self) -> list[dict[str, Any]]:
        rng = self.rng
        used: set[str] = set()
        out: list[dict[str, Any]] = []
        currencies = (1, 2, 3, 4) if self.o.multi_currency else (1,)
        currency_weights = (65, 15, 10, 10)[: len(currencies)]
        for index in range(self.o.customers):
            name = f"{rng.choice(_PREFIXES)} {rng.choice(_CORES)} {rng.choice(_SUFFIXES)}"
            base, n = name, 2
            while name in used:
                name, n = f"{base} ({n})", n + 1
            used.add(name)
            created_day = self.o.today - timedelta(days=rng.randint(400, 1100))
            created = self.stamp(created_day)
            modified = created
            if rng.random() < 0.6:
                modified = self.stamp(self.o.today - timedelta(days=rng.randint(0, 390)))
            domain = name.split(" ")[0].lower() + "-" + name.split(" ")[1].lower() + ".example"
            out.append(
                {
                    "id": CUSTOMER_ID_BASE + 1 + index,
                    "entityid": name,
                    "companyname": name,
                    "isperson": "F",
                    "email": f"ap@{domain}" if rng.random() < 0.92 else None,
                    "phone": f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                    "terms": rng.choices((1, 2, 3, 4, 5), (15, 50, 15, 10, 10))[0],
                    "creditlimit": str(rng.choice((5, 10, 25, 50, 100)) * 1000)
                    if rng.random() < 0.7
                    else None,
                    "currency": rng.choices(currencies, currency_weights)[0],
                    "isinactive": "T" if rng.random() < 0.04 else "F",
                    "datecreated": self.text(created),
                    "lastmodifieddate": self.text(max(created, modified)),
                    "custentity_collections_pause": "T" if rng.random() < 0.08 else "F",
                    "custentity_region": rng.choice(_REGIONS) if rng.random() < 0.9 else None,
                    "custentity_dunning_level": rng.randint(0, 3) if rng.random() < 0.7 else None,
                    "custentity_ar_contact_email": f"billing@{domain}"
                    if rng.random() < 0.5
                    else None,
                    "_domain": domain,
                    "_created": created,
                }
            )
        return out

    def contacts(self, customers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rng = self.rng
        out: list[dict[str, Any]] = []
        next_id = CUSTOMER_ID_BASE + len(customers) + 1
        for customer in customers:
            count = rng.choices((0, 1, 2, 3), (5, 45, 35, 15))[0]
            for position in range(count):
                first, last = rng.choice(_FIRST), rng.choice(_LAST)
                created = max(customer["_created"], self.stamp(
                    self.o.today - timedelta(days=rng.randint(0, 900))
                ))  # fmt: skip
                role = -10 if position == 0 else rng.choice((-20, 1, None))
                out.append(
                    {
                        "id": next_id,
                        "entityid": f"{first} {last}",
                        "firstname": first,
                        "lastname": last,
                        "email": f"{first}.{last}@{customer['_domain']}".lower()
                        if rng.random() < 0.9
                        else None,
                        "phone": f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                        "title": rng.choice(_TITLES),
                        "company": customer["id"],
                        "contactrole": role,
                        "isinactive": "T" if rng.random() < 0.03 else "F",
                        "datecreated": self.text(created),
                        "lastmodifieddate": self.text(created),
                        "custentity_reminder_opt_out": "T" if rng.random() < 0.05 else "F",
                        "custentity_preferred_language": rng.choice(_LANGUAGES)
                        if rng.random() < 0.6
                        else None,
                    }
                )
                next_id += 1
        return out

    # -- transactions ------------------------------------------------------------------------------
    def invoices(self, customers: list[dict[str, Any]]) -> list[_Txn]:
        rng, today = self.rng, self.o.today
        n = len(customers)
        if n == 0:
            return []
        weights = [1.0 / (1 + (i % 50)) ** 0.8 for i in range(n)]
        chosen = rng.choices(range(n), weights=weights, k=self.o.invoices)
        terms_days = {t[0]: t[2] for t in TERMS}
        out: list[_Txn] = []
        for index in chosen:
            customer = customers[index]
            band = rng.random()
            if band < 0.35:
                age = rng.randint(0, 45)
            elif band < 0.7:
                age = rng.randint(46, 150)
            else:
                age = rng.randint(151, 540)
            trandate = today - timedelta(days=age)
            lines = []
            for _ in range(rng.choices((1, 2, 3, 4, 5), (35, 25, 20, 12, 8))[0]):
                item = rng.choice(ITEMS)
                quantity = rng.randint(1, 12)
                unit = item[3] * rng.choice((90, 95, 100, 100, 100, 110)) // 100
                lines.append((item[0], quantity, unit, quantity * unit))
            total = sum(line[3] for line in lines)
            txn = _Txn(
                "CustInvc",
                customer["id"],
                trandate,
                self.stamp(trandate),
                customer["currency"],
                self.rate(customer["currency"]),
                total,
                duedate=trandate + timedelta(days=terms_days[customer["terms"]]),
                terms=customer["terms"],
                lines=lines,
            )
            roll = rng.random()
            if roll < 0.04 and age < 60:
                txn.status, txn.approval = "D", 1
            elif roll < 0.07:
                txn.status, txn.voided = "V", True
            out.append(txn)
        out.sort(key=lambda t: t.created)
        return out

    def payments(self, invoices: list[_Txn]) -> list[_Txn]:
        rng = self.rng
        open_by_customer: dict[int, list[_Txn]] = defaultdict(list)
        for invoice in sorted(invoices, key=lambda t: (t.duedate or t.trandate, t.created)):
            if invoice.status == "A":
                open_by_customer[invoice.customer].append(invoice)
        customers = sorted(open_by_customer)
        out: list[_Txn] = []
        for _ in range(self.o.payments):
            candidates = [c for c in rng.sample(customers, min(len(customers), 3))
                          if open_by_customer[c]]  # fmt: skip
            if not candidates:
                customers = [c for c in customers if open_by_customer[c]]
                if not customers:
                    break
                candidates = [rng.choice(customers)]
            queue = open_by_customer[candidates[0]]
            count = min(len(queue), rng.choices((1, 2, 3, 4), (60, 25, 10, 5))[0])
            targets = queue[:count]
            latest = max(t.trandate for t in targets)
            day = min(latest + timedelta(days=rng.randint(3, 75)), self.o.today)
            payment = _Txn(
                "CustPymt",
                candidates[0],
                day,
                max(
                    self.stamp(day),
                    min(max(t.created for t in targets) + timedelta(minutes=5), self.cutoff),
                ),
                targets[0].currency,
                targets[0].rate,
                0,
                status=rng.choice(("B", "C", "C")),
                method=rng.choice((2, 3, 4, 5)),
            )
            for position, invoice in enumerate(targets):
                due = invoice.total - invoice.paid
                applied = due
                if position == len(targets) - 1 and rng.random() < 0.25:
                    applied = max(1, due * rng.randint(30, 90) // 100)
                invoice.paid += applied
                payment.applications.append((invoice, applied))
                if invoice.paid >= invoice.total:
                    invoice.status = "B"
                    queue.remove(invoice)
            payment.used = sum(amount for _, amount in payment.applications)
            payment.total = payment.used
            if rng.random() < 0.08:
                payment.total += max(100, payment.used * rng.randint(5, 25) // 100)
            out.append(payment)
        return out

    def credit_memos(self, invoices: list[_Txn]) -> list[_Txn]:
        rng = self.rng
        open_invoices = [i for i in invoices if i.status == "A"]
        out: list[_Txn] = []
        for _ in range(max(1, len(invoices) // 40) if open_invoices else 0):
            invoice = rng.choice(open_invoices)
            remaining = invoice.total - invoice.paid
            if remaining <= 100:
                continue
            amount = remaining * rng.randint(10, 50) // 100
            day = min(invoice.trandate + timedelta(days=rng.randint(1, 40)), self.o.today)
            item = rng.choice(ITEMS)
            memo = _Txn(
                "CustCred",
                invoice.customer,
                day,
                max(self.stamp(day), min(invoice.created + timedelta(minutes=5), self.cutoff)),
                invoice.currency,
                invoice.rate,
                amount,
                lines=[(item[0], 1, amount, amount)],
            )
            if rng.random() < 0.7:
                invoice.paid += amount
                memo.applications.append((invoice, amount))
                memo.used = amount
                memo.status = "B"
                if invoice.paid >= invoice.total:
                    invoice.status = "B"
            out.append(memo)
        return out


def _clear(conn: sqlite3.Connection) -> None:
    for table in TABLES:
        if table not in VIEWS:
            conn.execute(f'DELETE FROM "{table}"')
    conn.execute('DELETE FROM "ns_meta" WHERE "key" LIKE \'next_number:%\'')


def _insert_rows(conn: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = [c for c in rows[0] if not c.startswith("_")]
    sql = (
        f'INSERT INTO "{table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)}) '
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    conn.executemany(sql, ([row[c] for c in columns] for row in rows))


def populate(conn: sqlite3.Connection, options: GeneratorOptions) -> None:
    """Replace the account's data with a generated one (runs inside the caller's transaction)."""
    gen = _Generator(options)
    _clear(conn)
    modified = gen.text(gen.cutoff)
    currencies = CURRENCIES if options.multi_currency else CURRENCIES[:1]
    conn.executemany(
        "INSERT INTO \"currency\" VALUES (?, ?, ?, ?, ?, ?, 2, 'F', ?)",
        [(c[0], c[1], c[2], c[3], c[5], c[4], modified) for c in currencies],
    )
    conn.executemany("INSERT INTO \"term\" VALUES (?, ?, ?, ?, ?, 'F')", [tuple(t) for t in TERMS])
    conn.executemany(
        "INSERT INTO \"item\" VALUES (?, ?, ?, ?, 'Service', 'F')",
        [(i[0], i[1], i[2], i[2]) for i in ITEMS],
    )
    customers = gen.customers()
    _insert_rows(conn, "customer", customers)
    _insert_rows(conn, "contact", gen.contacts(customers))
    invoices = gen.invoices(customers)
    payments = gen.payments(invoices)
    memos = gen.credit_memos(invoices)
    _write_transactions(conn, gen, invoices, payments, memos)
    from hub_netsuite.sandbox.store import refresh_balances

    refresh_balances(conn, options.today)


def _write_transactions(
    conn: sqlite3.Connection,
    gen: _Generator,
    invoices: list[_Txn],
    payments: list[_Txn],
    memos: list[_Txn],
) -> None:
    everything = sorted(
        [*invoices, *payments, *memos], key=lambda t: (t.created, t.type, t.customer)
    )
    numbers = {"CustInvc": 10001, "CustPymt": 10001, "CustCred": 10001}
    prefixes = {"CustInvc": "INV", "CustPymt": "PYMT", "CustCred": "CM"}
    for position, txn in enumerate(everything, start=1):
        txn.id = TRANSACTION_ID_BASE + position
        txn.tranid = f"{prefixes[txn.type]}{numbers[txn.type]}"
        numbers[txn.type] += 1
    touched: dict[int, datetime] = {}
    links: list[tuple[Any, ...]] = []
    for payer in [*payments, *memos]:
        for line, (invoice, amount) in enumerate(payer.applications, start=1):
            base = int((Decimal(amount) * Decimal(invoice.rate)).to_integral_value())
            links.append(
                (invoice.id, 0, "CustInvc", payer.id, line, payer.type, "Payment",
                 cents_text(amount), cents_text(base), payer.trandate.isoformat(),
                 gen.text(payer.created))
            )  # fmt: skip
            touched[invoice.id] = max(touched.get(invoice.id, invoice.created), payer.created)
    rng = gen.rng
    sign = -1 if gen.o.signed_line_amounts else 1
    rows: list[tuple[Any, ...]] = []
    lines: list[tuple[Any, ...]] = []
    for txn in everything:
        modified = txn.created
        if gen.o.payment_touches_invoice:
            modified = touched.get(txn.id, modified)
        if rng.random() < 0.12:
            modified = gen.cap(modified + timedelta(days=rng.randint(0, 20),
                                                    hours=rng.randint(0, 9)))  # fmt: skip
        created, changed = gen.text(txn.created), gen.text(max(modified, txn.created))
        is_invoice = txn.type == "CustInvc"
        unpaid = 0 if txn.voided else txn.total - txn.paid
        rows.append(
            (
                txn.id, txn.tranid, txn.type,
                {"CustInvc": "invoice", "CustPymt": "customerpayment", "CustCred": "creditmemo"}[
                    txn.type
                ],
                txn.trandate.isoformat(),
                txn.duedate.isoformat() if txn.duedate else None,
                txn.customer, txn.currency, txn.rate, cents_text(txn.total),
                cents_text(txn.paid) if is_invoice else None,
                cents_text(unpaid) if is_invoice else None,
                None if is_invoice else cents_text(txn.used),
                None if is_invoice else cents_text(txn.total - txn.used),
                txn.status, txn.approval, txn.terms, txn.method,
                "VOID" if txn.voided else None,
                "T" if txn.approval == 2 and not txn.voided else "F",
                "T" if txn.voided else "F",
                created, changed,
                "Customer disputes the quantity" if is_invoice and rng.random() < 0.03 else None,
                "T" if is_invoice and rng.random() < 0.03 else "F",
            )
        )  # fmt: skip
        lines.append(
            (txn.id, 0, 0, "T", "F", txn.customer, None, None, None, None,
             cents_text(txn.total), cents_text(txn.total),
             cents_text(txn.paid) if is_invoice else None,
             cents_text(unpaid) if is_invoice else None,
             None if is_invoice else cents_text(txn.used),
             None if is_invoice else cents_text(txn.total - txn.used), changed)
        )  # fmt: skip
        line_sign = sign if is_invoice else -sign
        for number, (item, quantity, unit, amount) in enumerate(txn.lines, start=1):
            lines.append(
                (txn.id, number, number, "F", "F", txn.customer, item, None,
                 str(line_sign * quantity), cents_text(unit), cents_text(line_sign * amount),
                 cents_text(line_sign * amount), None, None, None, None, created)
            )  # fmt: skip
    conn.executemany(
        'INSERT INTO "transaction" ("id", "tranid", "type", "recordtype", "trandate", "duedate", '
        '"entity", "currency", "exchangerate", "foreigntotal", "foreignamountpaid", '
        '"foreignamountunpaid", "foreignpaymentamountused", "foreignpaymentamountunused", '
        '"status", "approvalstatus", "terms", "paymentmethod", "memo", "posting", "voided", '
        '"createddate", "lastmodifieddate", "custbody_collections_notes", "custbody_disputed") '
        f"VALUES ({', '.join('?' * 25)})",
        rows,
    )
    conn.executemany(
        'INSERT INTO "transactionline" ("transaction", "id", "linesequencenumber", "mainline", '
        '"taxline", "entity", "item", "memo", "quantity", "rate", "foreignamount", "netamount", '
        '"foreignamountpaid", "foreignamountunpaid", "foreignpaymentamountused", '
        f'"foreignpaymentamountunused", "linelastmodifieddate") VALUES ({", ".join("?" * 17)})',
        lines,
    )
    conn.executemany(
        'INSERT INTO "nexttransactionlinelink" ("previousdoc", "previousline", "previoustype", '
        '"nextdoc", "nextline", "nexttype", "linktype", "foreignamount", "amount", "linkdate", '
        f'"lastmodifieddate") VALUES ({", ".join("?" * 11)})',
        links,
    )
    conn.executemany(
        'INSERT OR REPLACE INTO "ns_meta" VALUES (?, ?)',
        [(f"next_number:{code}", str(number)) for code, number in numbers.items()],
    )
