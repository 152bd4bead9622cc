#!/usr/bin/env python3
"""Generate a synthetic HuggingFace hub cache for benchmarks.

    bench/gen-cache.py DIR [--models N] [--seed S]

Writes N model repos the way huggingface_hub does: blobs named by content
hash (git-blob SHA-1, or SHA-256 for weights), relative symlinks in
snapshots/<commit>/, refs/main without a newline, one lock file per blob in
.locks/<repo>/. Every fourth model has a second revision, every tenth a
file in a subfolder; a mix of MLX, PyTorch and GGUF models. Weight files
are small (a few KB): listing never reads weights, and the benchmark is
about metadata work, not disk bandwidth. Metadata files have the sizes of
real ones (config.json and tokenizer_config.json of a few hundred bytes to
a few KB, a README with a model card): MLX-Knife's health rules read every
file under 200 bytes to look for Git LFS pointers, so toy-sized metadata
would make every tool read files it never reads in a real cache.
"""
import hashlib
import json
import os
import random
import sys


def git_blob_id(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def put(repo, commit, path, data, lfs, locks):
    blob = hashlib.sha256(data).hexdigest() if lfs else git_blob_id(data)
    bpath = os.path.join(repo, "blobs", blob)
    if not os.path.exists(bpath):
        with open(bpath, "wb") as f:
            f.write(data)
    link = os.path.join(repo, "snapshots", commit, path)
    os.makedirs(os.path.dirname(link), exist_ok=True)
    depth = path.count("/")
    os.symlink("../" * (2 + depth) + "blobs/" + blob, link)
    open(os.path.join(locks, blob + ".lock"), "w").close()


def model(root, i, rng):
    kind = ("mlx", "mlx", "mlx", "pytorch", "gguf")[i % 5]
    org = "mlx-community" if kind == "mlx" and i % 2 == 0 else "org%d" % (i % 37)
    name = "%s/model-%04d-%s" % (org, i, kind)
    folder = "models--" + name.replace("/", "--")
    repo = os.path.join(root, folder)
    locks = os.path.join(root, ".locks", folder)
    os.makedirs(os.path.join(repo, "blobs"), exist_ok=True)
    os.makedirs(os.path.join(repo, "refs"), exist_ok=True)
    os.makedirs(locks, exist_ok=True)
    revisions = 2 if i % 4 == 0 else 1
    commit = None
    for r in range(revisions):
        commit = hashlib.sha1(b"%d-%d" % (i, r)).hexdigest()
        cfg = {"model_type": "llama", "architectures": ["LlamaForCausalLM"],
               "hidden_size": 2048, "intermediate_size": 8192,
               "num_attention_heads": 32, "num_hidden_layers": 16,
               "num_key_value_heads": 8, "max_position_embeddings": 131072,
               "rms_norm_eps": 1e-05, "rope_theta": 500000.0,
               "torch_dtype": "bfloat16", "vocab_size": 128256,
               "bos_token_id": 128000, "eos_token_id": [128001, 128008],
               "tie_word_embeddings": True, "revision": r}
        if kind == "mlx":
            cfg["quantization"] = {"group_size": 64, "bits": 4}
        put(repo, commit, "config.json", json.dumps(cfg).encode(), False, locks)
        template = ("{{- bos_token }}{%- for message in messages %}"
                    "{{- '<|start_header_id|>' + message['role'] + "
                    "'<|end_header_id|>\\n\\n' + message['content'] + '<|eot_id|>' }}"
                    "{%- endfor %}{%- if add_generation_prompt %}"
                    "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
                    "{%- endif %}")
        put(repo, commit, "tokenizer_config.json",
            json.dumps({"bos_token": "<|begin_of_text|>",
                        "eos_token": "<|eot_id|>",
                        "model_max_length": 131072,
                        "tokenizer_class": "PreTrainedTokenizerFast",
                        "chat_template": template}, indent=2).encode(),
            False, locks)
        vocab = {"tok%d" % t: t for t in range(200)}
        put(repo, commit, "tokenizer.json",
            json.dumps({"version": "1.0", "model": {"type": "BPE",
                                                    "vocab": vocab}}).encode(),
            False, locks)
        readme = ("---\nlicense: llama3.2\nlibrary_name: %s\ntags:\n- text-generation\n"
                  "---\n\n# model-%04d\n\n" % ("mlx" if kind == "mlx" else "transformers", i)
                  + "This model card describes a synthetic model. " * 20 + "\n")
        put(repo, commit, "README.md", readme.encode(), False, locks)
        weights = {"mlx": "model.safetensors", "pytorch": "pytorch_model.bin",
                   "gguf": "model-q4_0.gguf"}[kind]
        put(repo, commit, weights, rng.randbytes(2048 + r), True, locks)
        if i % 10 == 0:
            put(repo, commit, "extra/notes.txt", b"notes %d\n" % r, False, locks)
    with open(os.path.join(repo, "refs", "main"), "w") as f:
        f.write(commit)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    n = 1000
    seed = 1
    args = sys.argv[2:]
    while args:
        a = args.pop(0)
        if a == "--models":
            n = int(args.pop(0))
        elif a == "--seed":
            seed = int(args.pop(0))
        else:
            sys.exit("unknown option " + a)
    rng = random.Random(seed)
    os.makedirs(root, exist_ok=True)
    for i in range(n):
        model(root, i, rng)


if __name__ == "__main__":
    main()
