#!/usr/bin/env python3
"""Check mlxk --json output against the JSON API 0.2.3 model object.

Usage: check-model.py FILE. Every model object found (list's
data.models[], show's data.model) must have exactly the eleven keys of the
model object with the right types and enum values; show's also has
"quantization" (config.json's quantization object, or null).
"""
import json
import re
import sys

KEYS = {"name", "hash", "size_bytes", "last_modified", "framework",
        "model_type", "capabilities", "health", "runtime_compatible",
        "reason", "cached"}
FRAMEWORKS = {"MLX", "GGUF", "PyTorch", "Unknown"}
TYPES = {"chat", "embedding", "base", "audio"}
CAPS = {"text-generation", "chat", "vision", "audio", "embeddings",
        "audio-translate-en"}


# MLX-Knife's optional keys: always present, null for cache models.
OPTIONAL = {"origin", "content_hash", "hash_modified", "clean"}


def check(m, show=False):
    keys = KEYS | OPTIONAL | ({"quantization"} if show else set())
    assert set(m) == keys, "keys %s" % sorted(set(m) ^ keys)
    assert all(m[k] is None for k in OPTIONAL), [m[k] for k in OPTIONAL]
    if show:
        assert m["quantization"] is None or isinstance(m["quantization"], dict)
    assert isinstance(m["name"], str)
    assert m["hash"] is None or re.fullmatch(r"[A-Za-z0-9]{40}", m["hash"]), m["hash"]
    assert isinstance(m["size_bytes"], int) and m["size_bytes"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", m["last_modified"])
    assert m["framework"] in FRAMEWORKS, m["framework"]
    assert m["model_type"] in TYPES, m["model_type"]
    assert isinstance(m["capabilities"], list)
    assert all(c in CAPS for c in m["capabilities"]), m["capabilities"]
    assert m["health"] in {"healthy", "unhealthy"}
    # The one documented difference from the 0.2.3 schema: null when the
    # verdict needs a Python package mlxk cannot look for; the reason says.
    assert isinstance(m["runtime_compatible"], bool) or (
        m["runtime_compatible"] is None and m["health"] == "healthy"
        and m["reason"].startswith("Needs mlx-")), m
    assert m["reason"] is None or isinstance(m["reason"], str)
    assert m["cached"] is True
    if m["health"] == "unhealthy":
        assert m["runtime_compatible"] is False and m["reason"]
    if m["runtime_compatible"]:
        assert m["reason"] is None


d = json.load(open(sys.argv[1]))
assert set(d) == {"status", "command", "data", "error"}, sorted(d)
assert d["status"] == "success" and d["error"] is None
n = 0
if d["command"] == "list":
    assert set(d["data"]) == {"models", "count"}
    assert d["data"]["count"] == len(d["data"]["models"])
    names = [m["name"] for m in d["data"]["models"]]
    assert names == sorted(names), names
    for m in d["data"]["models"]:
        check(m)
        n += 1
elif d["command"] == "show":
    check(d["data"]["model"], show=True)
    assert d["data"]["workspace_metadata"] is None
    n = 1
print(n)
