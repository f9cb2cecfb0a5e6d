"""The SuiteScript user-event script signs callouts the way verify_webhook expects.

Runs the real script file under Node.js with small stand-ins for NetSuite's N/ modules.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from hub_netsuite.webhooks import MemoryReplayCache, parse_webhook, verify_webhook

SCRIPT = Path(__file__).resolve().parents[2] / "suitescript" / "hub_realtime_ue.js"
SECRET = "api-secret-value-42"

HARNESS = r"""
const nodeCrypto = require('crypto');
const posted = [];
const secrets = { custsecret_hub_webhook: process.env.HUB_SECRET };
const modules = {
  'N/https': { post: (options) => { posted.push(options); return { code: 204 }; } },
  'N/encode': { Encoding: { UTF_8: 'UTF_8', HEX: 'HEX' } },
  'N/crypto': {
    HashAlg: { SHA256: 'SHA256' },
    createSecretKey: ({ secret }) => ({ value: secrets[secret] }),
    createHmac: ({ key }) => {
      const mac = nodeCrypto.createHmac('sha256', key.value);
      return {
        update: ({ input }) => mac.update(input, 'utf8'),
        digest: () => mac.digest('hex').toUpperCase(),
      };
    },
  },
  'N/runtime': {
    accountId: '1234567_SB1',
    getCurrentScript: () => ({ getParameter: ({ name }) => ({
      custscript_hub_webhook_url: 'https://hub.example/webhooks/netsuite/ns',
      custscript_hub_webhook_secret: 'custsecret_hub_webhook' })[name] }),
  },
  'N/log': { audit: () => {}, error: (e) => { throw new Error(JSON.stringify(e)); } },
};
let script;
global.define = (deps, factory) => { script = factory(...deps.map((d) => modules[d])); };
require(process.argv[2]);
const payment = (applied) => ({
  type: 'customerpayment', id: 1042,
  getLineCount: () => applied.length,
  getSublistValue: ({ fieldId, line }) => (fieldId === 'apply' ? applied[line][1] : applied[line][0]),
});
script.afterSubmit({
  type: 'edit', UserEventType: { DELETE: 'delete' },
  newRecord: payment([[1001, true], [1002, false]]), oldRecord: payment([[1007, true]]),
});
process.stdout.write(JSON.stringify(posted));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_script_callout_passes_verification(tmp_path: Path) -> None:
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS)
    done = subprocess.run(
        ["node", str(harness), str(SCRIPT)],
        capture_output=True,
        text=True,
        timeout=30,
        env={"HUB_SECRET": SECRET, "PATH": "/usr/bin:/bin"},
        check=True,
    )
    [call] = json.loads(done.stdout)
    body = call["body"].encode()
    verify_webhook(SECRET, call["headers"], body, replay_cache=MemoryReplayCache())
    assert parse_webhook(body) == [
        ("payment", "1042"),
        ("invoice", "1001"),
        ("invoice", "1007"),
    ]
    assert json.loads(body)["account"] == "1234567_SB1"
