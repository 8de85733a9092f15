#!/usr/bin/env python3
"""Writes the protocol test vectors. Every expected value below is stated by hand from SPEC.md,
not computed by the Swift code: the vectors check the implementation, not the other way round.
Run: python3 Protocol/vectors/generate.py (rewrites the *.json files beside it)."""
import base64, hashlib, json, os

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

E = 1763900000000  # 2025-11-23T12:13:20Z, the epoch of these vectors


def entry(replica, counter, value, wall=0, logical=0, by=None):
    return {"dot": [replica, counter], "stamp": [E + wall, logical], "by": by or "B" + replica[1:], "value": value}


def state(vv, fields, type_="householdVisit", id_="visit-1", version=1):
    return {"type": type_, "id": id_, "schemaVersion": version, "vv": vv, "fields": fields}


VISIT_BASE = {
    "beat": [entry("T1", 1, "KH.P03.S012.B0456")],
    "household": [entry("T1", 1, "HH-0042")],
    "officer": [entry("T1", 1, "B1")],
    "subjectCategory": [entry("T1", 1, "elderlyAlone")],
    "visitKind": [entry("T1", 1, "care")],
    "visitedAt": [entry("T1", 1, E)],
    "status": [entry("T1", 1, "draft")],
}


def visit(vv, **extra):
    fields = dict(VISIT_BASE)
    for name, entries in extra.items():
        if entries is None:
            fields.pop(name, None)
        else:
            fields[name] = entries
    return state(vv, fields)


joins = {"description": "join(a, b) must equal expected, and join(b, a) too", "cases": [
    {"name": "identical states join to themselves",
     "a": visit({"T1": 1}), "b": visit({"T1": 1}), "expected": visit({"T1": 1})},
    {"name": "concurrent writes of one field are both kept",
     "a": visit({"T1": 1, "T2": 1}, outcome=[entry("T2", 1, "met", wall=2000)]),
     "b": visit({"T1": 1, "T3": 1}, outcome=[entry("T3", 1, "refused", wall=1000)]),
     "expected": visit({"T1": 1, "T2": 1, "T3": 1},
                       outcome=[entry("T2", 1, "met", wall=2000), entry("T3", 1, "refused", wall=1000)])},
    {"name": "a write that saw the other value replaces it",
     "a": visit({"T1": 1, "T2": 1}, outcome=[entry("T2", 1, "met", wall=2000)]),
     "b": visit({"T1": 1, "T2": 1, "T3": 1}, outcome=[entry("T3", 1, "refused", wall=3000)]),
     "expected": visit({"T1": 1, "T2": 1, "T3": 1}, outcome=[entry("T3", 1, "refused", wall=3000)])},
    {"name": "a value the other side saw and dropped stays dropped",
     "a": visit({"T1": 2}, outcome=None),
     "b": visit({"T1": 1}, outcome=[entry("T1", 1, "met")]),
     "expected": visit({"T1": 2})},
    {"name": "add-wins set: a concurrent add survives a remove of the same element",
     "a": visit({"T1": 1, "T2": 2}),
     "b": visit({"T1": 1, "T2": 1, "T3": 1}, followUps=[entry("T2", 1, "revisit", wall=100), entry("T3", 1, "revisit", wall=150)]),
     "expected": visit({"T1": 1, "T2": 2, "T3": 1}, followUps=[entry("T3", 1, "revisit", wall=150)])},
    {"name": "append logs keep every entry from both sides",
     "a": visit({"T1": 1, "T2": 1}, notes=[entry("T2", 1, "door closed", wall=4000)]),
     "b": visit({"T1": 1, "T3": 1}, notes=[entry("T3", 1, "neighbour says moved", wall=3000)]),
     "expected": visit({"T1": 1, "T2": 1, "T3": 1},
                       notes=[entry("T2", 1, "door closed", wall=4000), entry("T3", 1, "neighbour says moved", wall=3000)])},
    {"name": "a field only one side holds is kept when the other never saw it",
     "a": visit({"T1": 1}),
     "b": visit({"T1": 1, "T2": 1}, riskLevel=[entry("T2", 1, 2)]),
     "expected": visit({"T1": 1, "T2": 1}, riskLevel=[entry("T2", 1, 2)])},
]}

INCIDENT = {
    "receiptNumber": [entry("T1", 1, "KH.P03.S012-0000001")],
    "receivedAt": [entry("T1", 1, E)],
    "receivingUnit": [entry("T1", 1, "KH.P03.S012")],
    "jurisdictionUnit": [entry("T1", 1, "KH.P03.S012")],
    "category": [entry("T1", 1, "theft")],
    "severity": [entry("T1", 1, "ordinary")],
    "narrative": [entry("T1", 1, "stolen scooter")],
    "status": [entry("T1", 1, "received")],
}


def incident(vv, **extra):
    fields = dict(INCIDENT)
    fields.update({k: v for k, v in extra.items() if v is not None})
    for k, v in extra.items():
        if v is None:
            fields.pop(k)
    return state(vv, fields, type_="incidentReport", id_="case-1")


conflicts = {"description": "conflicts(state) must equal expected (null: no concurrent field)", "cases": [
    {"name": "single values: no conflict", "state": incident({"T1": 1}), "expected": None},
    {"name": "concurrent narratives wait for a person",
     "state": incident({"T1": 1, "T2": 1, "T3": 1},
                       narrative=[entry("T2", 1, "stolen scooter, red", wall=5000), entry("T3", 1, "stolen scooter, blue", wall=6000)]),
     "expected": {"type": "incidentReport", "id": "case-1", "fields": [
         {"name": "narrative", "policy": "manual",
          "candidates": [entry("T2", 1, "stolen scooter, red", wall=5000), entry("T3", 1, "stolen scooter, blue", wall=6000)],
          "decision": {"needsPerson": {}}}]}},
    {"name": "concurrent severities are decided by the latest stamp, and both stay visible",
     "state": incident({"T1": 1, "T2": 1, "T3": 1},
                       severity=[entry("T2", 1, "major", wall=9000), entry("T3", 1, "minor", wall=7000)]),
     "expected": {"type": "incidentReport", "id": "case-1", "fields": [
         {"name": "severity", "policy": "lastWriterWins",
          "candidates": [entry("T3", 1, "minor", wall=7000), entry("T2", 1, "major", wall=9000)],
          "decision": {"decided": {"winner": ["T2", 1], "rule": "the latest stamp wins (then replica id)"}}}]}},
    {"name": "concurrent lifecycle moves: the furthest state wins even with an older stamp",
     "state": incident({"T1": 1, "T2": 1, "T3": 1},
                       status=[entry("T2", 1, "receiptIssued", wall=9000), entry("T3", 1, "voided", wall=1000)],
                       voidReason=[entry("T3", 1, "duplicate report", wall=1000)]),
     "expected": {"type": "incidentReport", "id": "case-1", "fields": [
         {"name": "status", "policy": "lifecycle",
          "candidates": [entry("T3", 1, "voided", wall=1000), entry("T2", 1, "receiptIssued", wall=9000)],
          "decision": {"decided": {"winner": ["T3", 1], "rule": "the furthest lifecycle state wins"}}}]}},
]}


def accepted(s):
    return {"accepted": s}


def rejected(code, fields):
    return {"rejected": {"code": code, "fields": fields}}


closed = incident({"T1": 5}, status=[entry("T1", 5, "closed", wall=5000)])
rejections = {"description": "admit(incoming onto current, writer, latestAllowedWall) must accept with the joined state or reject with code and fields", "cases": [
    {"name": "a new record is accepted as is", "current": None, "incoming": incident({"T1": 1}), "writer": "T1",
     "expected": accepted(incident({"T1": 1}))},
    {"name": "an edit joins onto the stored state", "current": incident({"T1": 1}),
     "incoming": incident({"T1": 1, "T2": 1}, severity=[entry("T2", 1, "major", wall=100)]), "writer": "T2",
     "expected": accepted(incident({"T1": 1, "T2": 1}, severity=[entry("T2", 1, "major", wall=100)]))},
    {"name": "unknown field", "current": None, "incoming": incident({"T1": 1}, colour=[entry("T1", 1, "red")]), "writer": "T1",
     "expected": rejected("unknownField", ["colour"])},
    {"name": "invalid code", "current": incident({"T1": 1}),
     "incoming": incident({"T1": 1, "T2": 1}, severity=[entry("T2", 1, "apocalyptic", wall=100)]), "writer": "T2",
     "expected": rejected("invalidValue", ["severity"])},
    {"name": "missing required field at creation", "current": None, "incoming": incident({"T1": 1}, narrative=None), "writer": "T1",
     "expected": rejected("missingField", ["narrative"])},
    {"name": "receipt number never changes", "current": incident({"T1": 1}),
     "incoming": incident({"T1": 1, "T2": 1}, receiptNumber=[entry("T2", 1, "KH.P03.S012-0000099", wall=100)]), "writer": "T2",
     "expected": rejected("immutableField", ["receiptNumber"])},
    {"name": "a closed case takes no edits", "current": closed,
     "incoming": incident({"T1": 5, "T2": 1}, status=[entry("T1", 5, "closed", wall=5000)], severity=[entry("T2", 1, "major", wall=6000)]),
     "writer": "T2", "expected": rejected("locked", ["severity"])},
    {"name": "a closed case takes addenda",
     "current": closed,
     "incoming": incident({"T1": 5, "T2": 1}, status=[entry("T1", 5, "closed", wall=5000)], addenda=[entry("T2", 1, "property recovered", wall=6000)]),
     "writer": "T2",
     "expected": accepted(incident({"T1": 5, "T2": 1}, status=[entry("T1", 5, "closed", wall=5000)], addenda=[entry("T2", 1, "property recovered", wall=6000)]))},
    {"name": "several offline steps at once are accepted when reachable", "current": incident({"T1": 1}),
     "incoming": incident({"T1": 3}, status=[entry("T1", 3, "investigating", wall=300)]), "writer": "T1",
     "expected": accepted(incident({"T1": 3}, status=[entry("T1", 3, "investigating", wall=300)]))},
    {"name": "a lifecycle cannot go backwards", "current": incident({"T1": 3}, status=[entry("T1", 3, "investigating", wall=300)]),
     "incoming": incident({"T1": 4}, status=[entry("T1", 4, "received", wall=400)]), "writer": "T1",
     "expected": rejected("illegalTransition", ["status"])},
    {"name": "log entries may not be dropped",
     "current": incident({"T1": 2}, addenda=[entry("T1", 2, "first", wall=200)]),
     "incoming": incident({"T1": 3}, severity=[entry("T1", 3, "major", wall=300)]), "writer": "T1",
     "expected": rejected("appendOnly", ["addenda"])},
    {"name": "one dot, two different values", "current": incident({"T1": 1}),
     "incoming": incident({"T1": 1}, narrative=[entry("T1", 1, "rewritten narrative")]), "writer": "T1",
     "expected": rejected("malformedState", ["narrative"])},
    {"name": "a value not covered by the version vector", "current": None,
     "incoming": incident({"T1": 1}, severity=[entry("T1", 2, "major")]), "writer": "T1",
     "expected": rejected("malformedState", ["severity"])},
    {"name": "a new write attributed to another device", "current": incident({"T1": 1}),
     "incoming": incident({"T1": 1, "T2": 1}, severity=[entry("T2", 1, "major", wall=100)]), "writer": "T9",
     "expected": rejected("foreignDot", ["severity"])},
    {"name": "a write stamped beyond the server's tolerance", "current": incident({"T1": 1}),
     "incoming": incident({"T1": 1, "T2": 1}, severity=[entry("T2", 1, "major", wall=3600000)]), "writer": "T2",
     "latestAllowedWall": E + 600000, "expected": rejected("clockSkew", ["severity"])},
    {"name": "an unsupported schema version", "current": None,
     "incoming": dict(incident({"T1": 1}), schemaVersion=7), "writer": "T1",
     "expected": rejected("unsupportedSchemaVersion", [])},
    {"name": "an unknown record type", "current": None,
     "incoming": dict(incident({"T1": 1}), type="trafficTicket"), "writer": "T1",
     "expected": rejected("unknownRecordType", [])},
]}

lease = {"prefix": "KH.P03.S012", "first": 1001, "last": 1500}
messages = {"description": "json must decode as type and encode back to the same JSON (keys in any order)", "cases": [
    {"name": "enroll request", "type": "EnrollRequest", "json": {"protocolVersion": 1, "token": "tok-3f9a", "deviceName": "MP-0412"}},
    {"name": "enroll response", "type": "EnrollResponse", "json": {
        "protocolVersion": 1, "replica": "T7f3c2a", "credential": "T7f3c2a.q1w2e3r4", "station": "KH.P03.S012",
        "scopes": ["KH.P03.S012"], "lease": lease, "serverTime": E}},
    {"name": "enroll response of a server that signs audit checkpoints", "type": "EnrollResponse", "json": {
        "protocolVersion": 1, "replica": "T7f3c2a", "credential": "T7f3c2a.q1w2e3r4", "station": "KH.P03.S012",
        "scopes": ["KH.P03.S012"], "lease": lease, "serverTime": E, "auditPublicKey": None}},
    {"name": "lease response", "type": "LeaseResponse", "json": {"protocolVersion": 1, "lease": lease, "serverTime": E}},
    {"name": "push request", "type": "PushRequest", "json": {"protocolVersion": 1, "batchID": "b-0001", "records": [incident({"T1": 1})]}},
    {"name": "push response", "type": "PushResponse", "json": {"protocolVersion": 1, "batchID": "b-0001", "serverTime": E, "results": [
        {"id": "case-1", "status": "accepted", "seq": 42},
        {"id": "case-2", "status": "rejected", "rejection": {"code": "locked", "fields": ["severity"], "message": "the record is locked: only addenda may be added"},
         "current": dict(closed, id="case-2")}]}},
    {"name": "pull request", "type": "PullRequest", "json": {"protocolVersion": 1, "cursor": "41", "limit": 500}},
    {"name": "pull page", "type": "PullPage", "json": {"protocolVersion": 1, "records": [incident({"T1": 1})], "cursor": "42", "hasMore": False, "serverTime": E}},
    {"name": "last pull page with the server's signed audit head", "type": "PullPage", "json": {"protocolVersion": 1, "records": [],
        "cursor": "42", "hasMore": False, "serverTime": E, "auditCheckpoint": None}},
    {"name": "sync request", "type": "SyncRequest", "json": {"protocolVersion": 1,
        "push": {"protocolVersion": 1, "batchID": "b-0002", "records": []}, "pull": {"protocolVersion": 1, "cursor": "42", "limit": 1000}}},
    {"name": "sync response", "type": "SyncResponse", "json": {"protocolVersion": 1, "serverTime": E,
        "push": {"protocolVersion": 1, "batchID": "b-0002", "results": [], "serverTime": E},
        "pull": {"protocolVersion": 1, "records": [], "cursor": "42", "hasMore": False, "serverTime": E}}},
    {"name": "error body with a wipe instruction", "type": "ProtocolError", "json": {
        "error": {"code": "revoked", "message": "this device was revoked; wipe the store"}, "wipe": True}},
    {"name": "error body with retry advice", "type": "ProtocolError", "json": {
        "error": {"code": "rateLimited", "message": "slow down", "retryAfterSeconds": 5}}},
]}

# Audit checkpoints (SPEC 8.7), signed here with OpenSSL's Ed25519 (the `cryptography` package), not by
# the Swift code. The seeds are public test values: never use them outside tests.
def signing_key(seed_byte):
    key = Ed25519PrivateKey.from_private_bytes(bytes([seed_byte]) * 32)
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return key, base64.b64encode(raw).decode(), hashlib.sha256(raw).hexdigest()[:16]


SERVER_KEY, SERVER_PUBLIC, SERVER_KEY_ID = signing_key(7)
OTHER_KEY, OTHER_PUBLIC, OTHER_KEY_ID = signing_key(9)


def signed_message(sequence, head_hash, at, key_id):
    return "fieldsync-audit-checkpoint-v1\n%d\n%s\n%d\n%s" % (sequence, head_hash, at, key_id)


def checkpoint(sequence, head_hash, at, key_id=SERVER_KEY_ID, key=SERVER_KEY):
    message = signed_message(sequence, head_hash, at, key_id)
    return {"sequence": sequence, "headHash": head_hash, "at": at, "keyID": key_id,
            "signature": base64.b64encode(key.sign(message.encode())).decode()}


HEAD = hashlib.sha256(b"an audit entry").hexdigest()
GOOD = checkpoint(1042, HEAD, E)
checkpoints = {"description": "verify(checkpoint, publicKey) must equal valid; signedMessage is the exact text signed",
               "seed": base64.b64encode(bytes([7]) * 32).decode(), "publicKey": SERVER_PUBLIC, "keyID": SERVER_KEY_ID, "cases": [
    {"name": "a checkpoint signed by the server's key verifies", "checkpoint": GOOD,
     "signedMessage": signed_message(1042, HEAD, E, SERVER_KEY_ID), "valid": True},
    {"name": "the first entry's checkpoint verifies", "checkpoint": checkpoint(1, "0" * 63 + "1", E - 1),
     "signedMessage": signed_message(1, "0" * 63 + "1", E - 1, SERVER_KEY_ID), "valid": True},
    {"name": "a sequence changed after signing (a cut tail passed off as the head) does not verify",
     "checkpoint": dict(GOOD, sequence=1037), "signedMessage": signed_message(1037, HEAD, E, SERVER_KEY_ID), "valid": False},
    {"name": "a head hash changed after signing (a recomputed chain) does not verify",
     "checkpoint": dict(GOOD, headHash=hashlib.sha256(b"a recomputed entry").hexdigest()),
     "signedMessage": signed_message(1042, hashlib.sha256(b"a recomputed entry").hexdigest(), E, SERVER_KEY_ID), "valid": False},
    {"name": "a checkpoint signed by another key, naming the server's key id, does not verify",
     "checkpoint": checkpoint(1042, HEAD, E, SERVER_KEY_ID, OTHER_KEY),
     "signedMessage": signed_message(1042, HEAD, E, SERVER_KEY_ID), "valid": False},
    {"name": "a checkpoint signed by another key under its own key id does not verify against the server's key",
     "checkpoint": checkpoint(1042, HEAD, E, OTHER_KEY_ID, OTHER_KEY),
     "signedMessage": signed_message(1042, HEAD, E, OTHER_KEY_ID), "valid": False},
]}
for case in messages["cases"]:
    if case["json"].get("auditPublicKey", 0) is None:
        case["json"]["auditPublicKey"] = SERVER_PUBLIC
    if case["json"].get("auditCheckpoint", 0) is None:
        case["json"]["auditCheckpoint"] = GOOD

here = os.path.dirname(os.path.abspath(__file__))
for name, content in [("joins", joins), ("conflicts", conflicts), ("rejections", rejections), ("messages", messages),
                      ("checkpoints", checkpoints)]:
    with open(os.path.join(here, name + ".json"), "w") as f:
        json.dump(content, f, indent=1, ensure_ascii=False)
        f.write("\n")
print("wrote joins, conflicts, rejections, messages, checkpoints")
