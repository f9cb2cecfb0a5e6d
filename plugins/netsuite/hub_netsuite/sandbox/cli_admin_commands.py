"""The ``netsuite-sandbox`` commands that change or inspect a running sandbox (admin API)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from hub_netsuite.sandbox.cli_client import admin_client, connection_options, emit, pairs


@click.command("counts", help="Rows per record type.")
@connection_options
def counts(data: str, url: str | None, admin_token: str | None) -> None:
    emit(admin_client(data, url, admin_token).call("GET", "counts"))


@click.command("info", help="Base URL, account id and credentials of the running sandbox.")
@connection_options
def info(data: str, url: str | None, admin_token: str | None) -> None:
    emit(admin_client(data, url, admin_token).call("GET", "info"))


@click.command("create-invoice", help="Create an invoice (one line per --amount).")
@connection_options
@click.option("--customer", "customer_id", required=True)
@click.option("--amount", "amounts", multiple=True, required=True, help="line amount, e.g. 125.50")
@click.option("--currency", default=None, help="currency symbol, e.g. EUR (default: customer's)")
@click.option("--trandate", default=None, help="YYYY-MM-DD")
@click.option("--duedate", default=None, help="YYYY-MM-DD")
@click.option("--pending-approval", is_flag=True)
def create_invoice(
    data: str,
    url: str | None,
    admin_token: str | None,
    customer_id: str,
    amounts: Sequence[str],
    currency: str | None,
    trandate: str | None,
    duedate: str | None,
    pending_approval: bool,
) -> None:
    body = {
        "customer_id": customer_id,
        "lines": [{"amount": a} for a in amounts],
        "currency": currency,
        "trandate": trandate,
        "duedate": duedate,
        "approved": not pending_approval,
    }
    emit(admin_client(data, url, admin_token).call("POST", "mutations/create_invoice", body))


@click.command(
    "record-payment", help="Record a customer payment, applied with --apply INVOICE=AMOUNT."
)
@connection_options
@click.option("--customer", "customer_id", required=True)
@click.option("--amount", required=True)
@click.option("--apply", "applications", multiple=True, help="INVOICE_ID=AMOUNT")
@click.option("--trandate", default=None, help="YYYY-MM-DD")
def record_payment(
    data: str,
    url: str | None,
    admin_token: str | None,
    customer_id: str,
    amount: str,
    applications: Sequence[str],
    trandate: str | None,
) -> None:
    body = {
        "customer_id": customer_id,
        "amount": amount,
        "applications": pairs(applications, "--apply") if applications else None,
        "trandate": trandate,
    }
    emit(admin_client(data, url, admin_token).call("POST", "mutations/record_payment", body))


@click.command("void-invoice", help="Void an invoice.")
@connection_options
@click.argument("invoice_id")
def void_invoice(data: str, url: str | None, admin_token: str | None, invoice_id: str) -> None:
    emit(
        admin_client(data, url, admin_token).call(
            "POST", "mutations/void_invoice", {"id": invoice_id}
        )
    )


@click.command("approve-invoice", help="Approve a pending-approval invoice.")
@connection_options
@click.argument("invoice_id")
def approve_invoice(data: str, url: str | None, admin_token: str | None, invoice_id: str) -> None:
    emit(
        admin_client(data, url, admin_token).call(
            "POST", "mutations/approve_invoice", {"id": invoice_id}
        )
    )


@click.command(
    "apply-credit-memo",
    help="Apply a credit memo to invoices with --apply INVOICE=AMOUNT (default: oldest first).",
)
@connection_options
@click.argument("credit_memo_id")
@click.option("--apply", "applications", multiple=True, help="INVOICE_ID=AMOUNT")
def apply_credit_memo(
    data: str,
    url: str | None,
    admin_token: str | None,
    credit_memo_id: str,
    applications: Sequence[str],
) -> None:
    body = {
        "id": credit_memo_id,
        "applications": pairs(applications, "--apply") if applications else None,
    }
    emit(admin_client(data, url, admin_token).call("POST", "mutations/apply_credit_memo", body))


@click.command("update-customer", help="Edit a customer: --set field=value (SuiteQL column names).")
@connection_options
@click.argument("customer_id")
@click.option("--set", "assignments", multiple=True, required=True)
def update_customer(
    data: str,
    url: str | None,
    admin_token: str | None,
    customer_id: str,
    assignments: Sequence[str],
) -> None:
    body = {"id": customer_id, "fields": pairs(assignments, "--set")}
    emit(admin_client(data, url, admin_token).call("POST", "mutations/update_customer", body))


@click.command("update-contact", help="Edit a contact: --set field=value (SuiteQL column names).")
@connection_options
@click.argument("contact_id")
@click.option("--set", "assignments", multiple=True, required=True)
def update_contact(
    data: str,
    url: str | None,
    admin_token: str | None,
    contact_id: str,
    assignments: Sequence[str],
) -> None:
    body = {"id": contact_id, "fields": pairs(assignments, "--set")}
    emit(admin_client(data, url, admin_token).call("POST", "mutations/update_contact", body))


@click.command("delete-record", help="Delete a record (it appears in the deleted-record log).")
@connection_options
@click.argument("record_type")
@click.argument("record_id")
def delete_record(
    data: str, url: str | None, admin_token: str | None, record_type: str, record_id: str
) -> None:
    body = {"record_type": record_type, "id": record_id}
    emit(admin_client(data, url, admin_token).call("POST", "mutations/delete_record", body))


@click.command("revoke-token", help="Revoke a TBA token (every later request gets INVALID_LOGIN).")
@connection_options
@click.argument("token_id")
def revoke_token(data: str, url: str | None, admin_token: str | None, token_id: str) -> None:
    emit(admin_client(data, url, admin_token).call("POST", "tokens/revoke", {"token_id": token_id}))


@click.command("disable-integration", help="Block the integration record (default: the sandbox's).")
@connection_options
@click.option("--consumer-key", default=None)
def disable_integration(
    data: str, url: str | None, admin_token: str | None, consumer_key: str | None
) -> None:
    body = {"consumer_key": consumer_key} if consumer_key else {}
    emit(admin_client(data, url, admin_token).call("POST", "integrations/disable", body))


@click.command("enable-integration", help="Re-enable the integration record.")
@connection_options
@click.option("--consumer-key", default=None)
def enable_integration(
    data: str, url: str | None, admin_token: str | None, consumer_key: str | None
) -> None:
    body = {"consumer_key": consumer_key} if consumer_key else {}
    emit(admin_client(data, url, admin_token).call("POST", "integrations/enable", body))


@click.command("governance", help="Show or change limits and faults at runtime.")
@connection_options
@click.option("--concurrency-limit", type=int, default=None)
@click.option("--fault-rate", type=float, default=None)
@click.option("--latency-ms", type=float, default=None)
@click.option("--slow-401-rate", type=float, default=None)
def governance(
    data: str,
    url: str | None,
    admin_token: str | None,
    concurrency_limit: int | None,
    fault_rate: float | None,
    latency_ms: float | None,
    slow_401_rate: float | None,
) -> None:
    changes = {
        k: v
        for k, v in {
            "concurrency_limit": concurrency_limit,
            "fault_rate": fault_rate,
            "latency_ms": latency_ms,
            "slow_401_rate": slow_401_rate,
        }.items()
        if v is not None
    }
    client = admin_client(data, url, admin_token)
    emit(
        client.call("POST", "governance", changes) if changes else client.call("GET", "governance")
    )


@click.command("webhook", help="Set (or clear with --off) the afterSubmit-style callout URL.")
@connection_options
@click.option("--target", default=None, help="URL to POST {type,id,event} to")
@click.option("--secret", default=None, envvar="NETSUITE_SANDBOX_WEBHOOK_SECRET")
@click.option("--off", is_flag=True)
def webhook(
    data: str,
    url: str | None,
    admin_token: str | None,
    target: str | None,
    secret: str | None,
    off: bool,
) -> None:
    client = admin_client(data, url, admin_token)
    if off or target:
        emit(client.call("POST", "webhook", {"url": None if off else target, "secret": secret}))
    else:
        emit(client.call("GET", "webhook"))


@click.command("new-token", help="Issue another TBA token for the sandbox's integration.")
@connection_options
@click.option("--name", default="Additional token", show_default=True)
def new_token(data: str, url: str | None, admin_token: str | None, name: str) -> None:
    emit(admin_client(data, url, admin_token).call("POST", "tokens", {"name": name}))


@click.command(
    "oauth2-client",
    help="Register an OAuth 2.0 M2M certificate. Without --public-key a P-256 key pair is "
    "generated and its private key printed (keep it: the sandbox stores only the public key).",
)
@connection_options
@click.option(
    "--public-key",
    "public_key",
    type=click.File("r"),
    default=None,
    help="PEM public key or x.509 certificate",
)
@click.option("--certificate-id", default=None)
def oauth2_client(
    data: str,
    url: str | None,
    admin_token: str | None,
    public_key: Any,
    certificate_id: str | None,
) -> None:
    from hub_netsuite.sandbox.oauth2 import generate_key_pair

    private_pem: str | None = None
    algorithm = None
    if public_key is None:
        pair = generate_key_pair("EC")
        public_pem, private_pem, algorithm = (
            pair.public_key_pem,
            pair.private_key_pem,
            pair.algorithm,
        )
    else:
        public_pem = public_key.read()
    body = {"public_key_pem": public_pem, "certificate_id": certificate_id}
    reply = dict(admin_client(data, url, admin_token).call("POST", "oauth2/clients", body))
    if private_pem is not None:
        reply.update(private_key=private_pem, algorithm=algorithm)
    emit(reply)


COMMANDS = (
    counts,
    info,
    create_invoice,
    record_payment,
    void_invoice,
    approve_invoice,
    apply_credit_memo,
    update_customer,
    update_contact,
    delete_record,
    revoke_token,
    disable_integration,
    enable_integration,
    governance,
    webhook,
    new_token,
    oauth2_client,
)
