#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ (run from the repository root):
the presets, the oracle recordings' raw SIP texts and pjsip.conf files, RFC 4475/5118
messages, links made from the presets, and seeded byte strings for the generator.
libFuzzer's `-merge=1` minimises them afterwards (`cargo xtask fuzz --minimise`)."""
import base64, glob, hashlib, json, os, random, re, sys, zlib

ORACLE = os.environ.get("AORLAB_ORACLE", "/work/shared/oracle")
out = "fuzz/corpus"

def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)

presets = [open(p, encoding="utf-8").read() for p in sorted(glob.glob("crates/sim/presets/*.aorlab"))]
for text in presets:
    put("scenario", text)
    m = re.search(r"pjsip\.conf \{\n(.*?)\n\}", text, re.S)
    if m:
        put("pjsip_conf", m.group(1))
    for view in ["", "t=60000", "t=5000&p=ladder"]:
        raw = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = raw.compress(f"{view}\n{text}".encode()) + raw.flush()
        put("link", "v1." + base64.urlsafe_b64encode(packed).decode().rstrip("="))

for f in glob.glob("crates/sip/tests/fixtures/*/*"):
    put("sip_message", open(f, "rb").read())

seen = set()
for f in sorted(glob.glob(f"{ORACLE}/*/*.json")):
    try:
        case = json.load(open(f))
    except Exception:
        continue
    if not isinstance(case, dict):
        continue
    conf = case.get("config", {}).get("pjsip.conf")
    if conf:
        put("pjsip_conf", conf)
    for step in case.get("steps", []):
        for part in ("request", "response"):
            raw = (step.get(part) or {}).get("raw")
            # one message per distinct shape (the first line and header names), not thousands
            if raw:
                shape = re.sub(r"[0-9a-f]{6,}|\d+", "", raw)
                if shape not in seen:
                    seen.add(shape)
                    put("sip_message", raw)

rng = random.Random(14)
for _ in range(64):
    put("pipeline", bytes(rng.getrandbits(8) for _ in range(rng.randrange(16, 1024))))
