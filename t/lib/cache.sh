# Helpers that build HuggingFace cache shapes on disk, the way
# huggingface_hub writes them: blobs named by content hash, relative
# symlinks in snapshots/, refs without a trailing newline.

# These helpers run thousands of times per script: they use shell
# built-ins where they can (a program started costs a few milliseconds of
# CPU, and the suite is CPU-bound on two cores).

# git_blob_id FILE: the git blob SHA-1 of a file ("blob SIZE\0" and the
# content, hashed; git computes exactly that, in one program).
git_blob_id() {
	git hash-object --no-filters -- "$1"
}

sha256_of() {
	local h
	read -r h _ < <(sha256sum "$1")
	echo "$h"
}

# repo_dir ORG/NAME: the cache folder of a model repo.
repo_dir() {
	echo "$CACHE/models--${1//\//--}"
}

# commit_for WORD: a deterministic 40-hex commit id.
commit_for() {
	local h
	read -r h _ < <(printf '%s' "$1" | sha1sum)
	echo "$h"
}

# add_file ORG/NAME COMMIT PATH [--lfs] < content
# Stores stdin as a blob and links snapshots/COMMIT/PATH to it. Prints
# the blob name.
add_file() {
	local repo="$1" commit="$2" path="$3" lfs="$4"
	local dir tmp blob slashes up sub=
	dir="$CACHE/models--${repo//\//--}"
	case "$path" in
	*/*) sub="/${path%/*}" ;;
	esac
	if ! test -d "$dir/blobs" || ! test -d "$dir/snapshots/$commit$sub"; then
		mkdir -p "$dir/blobs" "$dir/snapshots/$commit$sub" || return 1
	fi
	tmp="$dir/blobs/.tmp.$$"
	cat >"$tmp" || return 1
	if test "$lfs" = "--lfs"; then
		read -r blob _ < <(sha256sum "$tmp")
	else
		blob=$(git_blob_id "$tmp")
	fi
	mv "$tmp" "$dir/blobs/$blob" || return 1
	slashes=${path//[!\/]/}
	up="../../"
	while test -n "$slashes"; do
		up="../$up"
		slashes=${slashes#/}
	done
	if test -e "$dir/snapshots/$commit/$path" || test -L "$dir/snapshots/$commit/$path"; then
		rm -f "$dir/snapshots/$commit/$path"
	fi
	ln -s "${up}blobs/$blob" "$dir/snapshots/$commit/$path" || return 1
	echo "$blob"
}

# set_ref ORG/NAME REF COMMIT: write refs/REF without a newline.
set_ref() {
	local dir sub=
	dir="$CACHE/models--${1//\//--}"
	case "$2" in
	*/*) sub="/${2%/*}" ;;
	esac
	test -d "$dir/refs$sub" || mkdir -p "$dir/refs$sub" || return 1
	printf '%s' "$3" >"$dir/refs/$2"
}

# make_model ORG/NAME [COMMIT] [KIND]: a complete, healthy model.
# KIND: mlx (default; quantized llama chat model), pytorch, gguf,
# embedding, base, vision, sharded.
make_model() {
	local repo="$1" commit="${2:-$(commit_for "$1")}" kind="${3:-mlx}"
	case "$kind" in
	mlx)
		printf '{"model_type":"llama","architectures":["LlamaForCausalLM"],"quantization":{"group_size":64,"bits":4}}' |
			add_file "$repo" "$commit" config.json >/dev/null
		head -c 4096 /dev/urandom | add_file "$repo" "$commit" model.safetensors --lfs >/dev/null
		printf '{"chat_template":"{{ messages }}"}' |
			add_file "$repo" "$commit" tokenizer_config.json >/dev/null
		printf '{"version":"1.0"}' | add_file "$repo" "$commit" tokenizer.json >/dev/null
		;;
	pytorch)
		printf '{"model_type":"llama","architectures":["LlamaForCausalLM"]}' |
			add_file "$repo" "$commit" config.json >/dev/null
		head -c 4096 /dev/urandom | add_file "$repo" "$commit" pytorch_model.bin --lfs >/dev/null
		;;
	gguf)
		printf '{"model_type":"llama"}' | add_file "$repo" "$commit" config.json >/dev/null
		head -c 4096 /dev/urandom | add_file "$repo" "$commit" model-q4_0.gguf --lfs >/dev/null
		;;
	base)
		printf '{"model_type":"llama","quantization":{"group_size":64,"bits":4}}' |
			add_file "$repo" "$commit" config.json >/dev/null
		head -c 4096 /dev/urandom | add_file "$repo" "$commit" model.safetensors --lfs >/dev/null
		;;
	embedding)
		printf '{"model_type":"bert","quantization":{"group_size":64,"bits":4}}' |
			add_file "$repo" "$commit" config.json >/dev/null
		head -c 4096 /dev/urandom | add_file "$repo" "$commit" model.safetensors --lfs >/dev/null
		;;
	vision)
		printf '{"model_type":"qwen2_vl","vision_config":{"depth":2},"quantization":{"group_size":64,"bits":4}}' |
			add_file "$repo" "$commit" config.json >/dev/null
		head -c 4096 /dev/urandom | add_file "$repo" "$commit" model.safetensors --lfs >/dev/null
		printf '{"image_processor_type":"Qwen2VLImageProcessor"}' |
			add_file "$repo" "$commit" preprocessor_config.json >/dev/null
		;;
	sharded)
		printf '{"model_type":"llama","quantization":{"group_size":64,"bits":4}}' |
			add_file "$repo" "$commit" config.json >/dev/null
		head -c 2048 /dev/urandom | add_file "$repo" "$commit" model-00001-of-00002.safetensors --lfs >/dev/null
		head -c 2048 /dev/urandom | add_file "$repo" "$commit" model-00002-of-00002.safetensors --lfs >/dev/null
		printf '{"metadata":{},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}}' |
			add_file "$repo" "$commit" model.safetensors.index.json >/dev/null
		;;
	*)
		echo "make_model: unknown kind $kind" >&2
		return 1
		;;
	esac
	set_ref "$repo" main "$commit"
}

# backdate PATH SECONDS: set mtime SECONDS into the past.
backdate() {
	touch -h -d "@$(($(date +%s) - $2))" "$1"
}

# hold_flock FILE: hold FILE's flock from another process (flock(1)) until
# kill_tree "$HOLDER"; returns once the lock is really held.
hold_flock() {
	rm -f ready
	flock "$1" sh -c "touch ready; exec sleep 30" &
	HOLDER=$!
	test_wait_for_file ready
}

# await_opens FILE N: start a watcher (t/lib/await-open.py) and return once
# it is armed; "wait $AWAITER" then returns 0 after FILE has been opened N
# more times. Two opens of a lock file held elsewhere mean a poller (mlxk,
# filelock) has failed its first try and is waiting: no sleep guesses how
# long that takes.
await_opens() {
	rm -f "$TRASH/armed"
	python3 "$TEST_DIRECTORY/lib/await-open.py" "$1" "$2" "$TRASH/armed" &
	AWAITER=$!
	test_wait_for_file "$TRASH/armed"
}

# kill_tree PID: stop a background holder and everything it started (the
# flock(1) child keeps the lock after flock itself is gone).
kill_tree() {
	local c
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do kill_tree "$c"; done
	kill "$1" 2>/dev/null
	return 0
}
