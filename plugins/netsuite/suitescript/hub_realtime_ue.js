/**
 * Collections Hub real-time callout: a SuiteScript 2.1 user-event script.
 *
 * Deploy on Customer, Contact, Invoice, Customer Payment and Credit Memo (see docs/netsuite.md).
 * After each committed create/edit/delete it POSTs {type, id, event, account, occurredAt} to the
 * hub's webhook, signed like the hub expects:
 *   X-Hub-Timestamp: <unix seconds>
 *   X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 * Payments and credit memos also list the invoices they are applied to ("invoices"), because
 * applying a payment changes an invoice without saving the invoice record.
 *
 * Script parameters (Customization > Scripting > Scripts > the script > Parameters):
 *   custscript_hub_webhook_url     Free-Form Text  https://hub.example.com/webhooks/netsuite/<connection>
 *   custscript_hub_webhook_secret  Free-Form Text  script ID of an API Secret holding the
 *                                                  connection's webhook secret (Setup > Company >
 *                                                  API Secrets), e.g. custsecret_hub_webhook
 *
 * Delivery is best effort (NetSuite allows 5 s to connect and 45 s per call, and never retries):
 * the hub keeps polling as the safety net, so a lost callout only delays an update.
 *
 * @NApiVersion 2.1
 * @NScriptType UserEventScript
 * @NModuleScope SameAccount
 */
define(['N/https', 'N/crypto', 'N/encode', 'N/runtime', 'N/log'], (https, crypto, encode, runtime, log) => {
    const APPLIERS = new Set(['customerpayment', 'creditmemo']);

    /** Ids of the invoices a payment or credit memo is applied to (its "apply" sublist). */
    const appliedInvoices = (rec) => {
        const ids = [];
        if (!rec || !APPLIERS.has(rec.type)) {
            return ids;
        }
        const count = rec.getLineCount({ sublistId: 'apply' });
        for (let line = 0; line < count; line += 1) {
            if (rec.getSublistValue({ sublistId: 'apply', fieldId: 'apply', line })) {
                ids.push(String(rec.getSublistValue({ sublistId: 'apply', fieldId: 'doc', line })));
            }
        }
        return ids;
    };

    /** Hex HMAC-SHA256 of text, keyed with the API Secret (its value never enters the script). */
    const hmacHex = (secretId, text) => {
        const key = crypto.createSecretKey({
            secret: secretId,
            encoding: encode.Encoding.UTF_8,
        });
        const hmac = crypto.createHmac({ algorithm: crypto.HashAlg.SHA256, key });
        hmac.update({ input: text, inputEncoding: encode.Encoding.UTF_8 });
        return hmac.digest({ outputEncoding: encode.Encoding.HEX }).toLowerCase();
    };

    const afterSubmit = (context) => {
        const script = runtime.getCurrentScript();
        const url = script.getParameter({ name: 'custscript_hub_webhook_url' });
        const secretId = script.getParameter({ name: 'custscript_hub_webhook_secret' });
        if (!url || !secretId) {
            log.audit({ title: 'Collections Hub', details: 'webhook URL or secret not set; skipped' });
            return;
        }
        const rec = context.type === context.UserEventType.DELETE ? context.oldRecord : context.newRecord;
        const invoices = appliedInvoices(context.newRecord);
        appliedInvoices(context.oldRecord).forEach((id) => {
            if (invoices.indexOf(id) < 0) {
                invoices.push(id); // un-applied invoices change too
            }
        });
        const payload = {
            type: rec.type,
            id: String(rec.id),
            event: String(context.type),
            account: runtime.accountId,
            occurredAt: new Date().toISOString(),
        };
        if (APPLIERS.has(rec.type)) {
            payload.invoices = invoices;
        }
        const body = JSON.stringify(payload);
        const timestamp = String(Math.floor(Date.now() / 1000));
        try {
            const response = https.post({
                url,
                body,
                headers: {
                    'Content-Type': 'application/json',
                    'X-Hub-Timestamp': timestamp,
                    'X-Hub-Signature': `sha256=${hmacHex(secretId, `${timestamp}.${body}`)}`,
                },
            });
            if (response.code >= 300) {
                log.error({ title: 'Collections Hub webhook', details: `HTTP ${response.code} for ${rec.type} ${rec.id}` });
            }
        } catch (error) {
            // Never block the user's save: polling picks the change up anyway.
            log.error({ title: 'Collections Hub webhook', details: `${error.name}: ${error.message}` });
        }
    };

    return { afterSubmit };
});
