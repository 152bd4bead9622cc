#!/bin/bash
# mlxk pull: name validation, missing repos and revisions, gated and
# private repos, tokens (never leaked), offline mode.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"

TOKEN=hf_secretTOKEN1234567890
printf '{"model_type":"llama"}' | hub_file org/model main config.json
head -c 4000 /dev/urandom | hub_file org/model main model.safetensors
printf '{}' | hub_file org/model main tokenizer.json
printf '{}' | hub_file org/model main tokenizer_config.json
printf '{"model_type":"llama"}' | hub_file org/gated main config.json
head -c 4000 /dev/urandom | hub_file org/gated main model.safetensors
echo "$TOKEN" >"$HUBROOT/org/gated/.token"
touch "$HUBROOT/org/gated/.gated"
printf '{"model_type":"llama"}' | hub_file org/private main config.json
echo "$TOKEN" >"$HUBROOT/org/private/.token"
fakehub_start

test_expect_success 'no model name is a usage error (exit 2)' '
	test_expect_code 2 mlxk pull 2>err &&
	test_grep "needs a model name" err
'

test_expect_success 'an empty or blank name is a ValidationError (exit 1)' '
	for n in "" "   "; do
		test_expect_code 1 mlxk pull "$n" 2>err &&
		test_grep "^mlxk: error: Invalid model name: empty$" err &&
		test_expect_code 1 mlxk --json pull "$n" >out &&
		json_check out "d[\"status\"] == \"error\" and d[\"error\"][\"type\"] == \"ValidationError\"" &&
		json_check out "d[\"data\"][\"download_status\"] == \"error\"" &&
		json_check out "d[\"error\"][\"message\"] == \"Invalid model name: empty\"" || return 1
	done
'

test_expect_success 'a name segment over 96 characters is a ValidationError' '
	long=$(printf "a%.0s" $(seq 97)) &&
	test_expect_code 1 mlxk --json pull "org/$long" >out &&
	json_check out "d[\"status\"] == \"error\" and d[\"error\"][\"type\"] == \"ValidationError\"" &&
	json_check out "d[\"data\"][\"download_status\"] == \"error\"" &&
	json_check out "\"96\" in d[\"error\"][\"message\"]"
'

test_expect_success 'leading, trailing and double slashes are rejected' '
	for n in /org/model org/model/ org//model; do
		test_expect_code 1 mlxk pull "$n" 2>err &&
		test_grep "Invalid model name" err || return 1
	done &&
	test_path_is_missing "$CACHE"
'

test_expect_success 'a missing repo: one clear line, exit 1, nothing in the cache' '
	test_expect_code 1 mlxk pull org/nope >out 2>err &&
	test_line_count = 1 err &&
	test_grep "repository .org/nope. not found" err &&
	test_path_is_missing "$CACHE/models--org--nope"
'

test_expect_success 'a missing repo in JSON is access_denied' '
	test_expect_code 1 mlxk --json pull org/nope >out &&
	json_check out "d[\"error\"][\"type\"] == \"access_denied\"" &&
	json_check out "d[\"data\"][\"download_status\"] == \"access_denied\""
'

test_expect_success 'a missing revision: one line, no repo folder and no ref' '
	test_expect_code 1 mlxk pull org/model@nosuch 2>err &&
	test_line_count = 1 err &&
	test_grep "revision .nosuch. not found in .org/model." err &&
	test_path_is_missing "$CACHE/models--org--model"
'

test_expect_success 'a gated repo without a token is refused with a hint' '
	test_expect_code 1 mlxk pull org/gated 2>err &&
	test_line_count = 1 err &&
	test_grep "gated" err && test_grep "HF_TOKEN" err &&
	test_path_is_missing "$CACHE/models--org--gated"
'

test_expect_success 'a private repo without a token looks missing' '
	test_expect_code 1 mlxk pull org/private 2>err &&
	test_grep "not found (if it is private or gated, set HF_TOKEN)" err
'

test_expect_success 'HF_TOKEN opens a gated repo; the CDN never sees the token' '
	hub_log_reset &&
	HF_TOKEN="  $TOKEN
" mlxk pull org/gated >out 2>err &&
	test_path_is_file "$CACHE/models--org--gated/snapshots/$(hub_commit org/gated main)/model.safetensors" &&
	hub_log "e[\"host\"] == \"127.0.0.1\" and e[\"auth\"] == \"Bearer $TOKEN\"" >sent &&
	test_line_count -ge 3 sent &&
	hub_log "e[\"host\"] == \"127.0.0.2\"" >cdn &&
	test_line_count = 1 cdn &&
	! grep "$TOKEN" cdn &&
	hub_log "e[\"host\"] == \"127.0.0.2\" and e[\"auth\"]" >leak &&
	test_must_be_empty leak &&
	! grep -r "$TOKEN" out err
'

test_expect_success 'once a redirect chain has left the Hub, the token stays out of it' '
	rm -rf "$CACHE" && hub_log_reset &&
	knobs "{\"cdn_bounce\": true}" &&
	HF_TOKEN=$TOKEN mlxk pull -q org/gated &&
	knobs "{}" &&
	test_path_is_file "$CACHE/models--org--gated/snapshots/$(hub_commit org/gated main)/model.safetensors" &&
	hub_log "e[\"p\"].startswith(\"/back/cdn/\")" >back &&
	test_line_count = 1 back &&
	test_grep "\"host\": \"127.0.0.1\"" back &&
	test_grep "\"auth\": null" back &&
	hub_log "\"/resolve/\" in e[\"p\"] and e[\"auth\"] == \"Bearer $TOKEN\"" >sent &&
	test_line_count -ge 1 sent
'

test_expect_success 'a tree page on another host is fetched without the token' '
	rm -rf "$CACHE" && hub_log_reset &&
	knobs "{\"link_host\": \"127.0.0.2\"}" &&
	HF_TOKEN=$TOKEN mlxk pull -q org/model &&
	knobs "{}" &&
	hub_log "\"/tree/\" in e[\"p\"] and e[\"host\"] == \"127.0.0.2\"" >other &&
	test_line_count = 1 other &&
	hub_log "e[\"host\"] == \"127.0.0.2\" and e[\"auth\"]" >leak &&
	test_must_be_empty leak &&
	hub_log "e[\"host\"] == \"127.0.0.1\" and e[\"auth\"] == \"Bearer $TOKEN\"" >sent &&
	test_line_count -ge 2 sent &&
	test "$(find "$CACHE/models--org--model/snapshots" -type l | wc -l)" = 4
'

test_expect_success 'HUGGING_FACE_HUB_TOKEN is the second choice' '
	rm -rf "$CACHE" &&
	HUGGING_FACE_HUB_TOKEN=$TOKEN mlxk pull -q org/private
'

test_expect_success 'HF_TOKEN wins over HUGGING_FACE_HUB_TOKEN and the file; empty means unset' '
	rm -rf "$CACHE" &&
	mkdir -p "$HF_HOME" && echo "$TOKEN" >"$HF_HOME/token" &&
	test_expect_code 1 env HF_TOKEN=hf_wrong HUGGING_FACE_HUB_TOKEN=$TOKEN "$MLXK_BIN" pull -q org/private 2>err &&
	test_grep "not found" err &&
	test_expect_code 1 env HUGGING_FACE_HUB_TOKEN=hf_wrong "$MLXK_BIN" pull -q org/private 2>err &&
	HF_TOKEN= HUGGING_FACE_HUB_TOKEN=$TOKEN mlxk pull -q org/private &&
	rm -rf "$CACHE" &&
	HF_TOKEN= HUGGING_FACE_HUB_TOKEN= mlxk pull -q org/private &&
	rm "$HF_HOME/token"
'

test_expect_success 'the token file ($HF_HOME/token) is read and stripped' '
	rm -rf "$CACHE" &&
	mkdir -p "$HF_HOME" && printf "\r\n %s \r\n" "$TOKEN" >"$HF_HOME/token" &&
	mlxk pull -q org/private &&
	rm "$HF_HOME/token"
'

test_expect_success 'HF_TOKEN_PATH with ~ points to another token file' '
	rm -rf "$CACHE" &&
	echo "$TOKEN" >"$HOME/tok" &&
	HF_TOKEN_PATH="~/tok" mlxk pull -q org/private
'

test_expect_success 'a wrong token is refused and never printed' '
	rm -rf "$CACHE" &&
	test_expect_code 1 env HF_TOKEN=hf_wrongWRONGwrong "$MLXK_BIN" pull org/gated >out 2>err &&
	! grep hf_wrongWRONGwrong out err
'

# proc_tree_cmdlines PID: the command lines of PID and of every process
# below it, one a line; fails when PID is gone.
proc_tree_cmdlines() {
	local c
	tr "\0" " " </proc/"$1"/cmdline 2>/dev/null || return 1
	echo
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		proc_tree_cmdlines "$c"
	done
	return 0
}

test_expect_success 'proc_tree_cmdlines sees a token in a grandchild command line' '
	{ T=$TOKEN sh -c "sh -c \"sleep 30; true\" \"\$T\"; true" & } &&
	pid=$! &&
	test_when_finished "kill_tree $pid" &&
	for i in $(seq 400); do
		proc_tree_cmdlines $pid >cmdlines &&
		grep -q "sleep 30; true $TOKEN" cmdlines && break
		sleep 0.05
	done &&
	test_grep "^sh -c sleep 30; true $TOKEN $" cmdlines &&
	test_grep ! "^sh -c sh .*$TOKEN" cmdlines
'

test_expect_success 'the token is on no command line of mlxk or its children' '
	rm -rf "$CACHE" "$HUBLOG.pos" &&
	knobs "{\"slow\": 4000}" &&
	test_when_finished "knobs {}" &&
	{ HF_TOKEN=$TOKEN "$MLXK_BIN" pull -q org/gated & } &&
	pid=$! &&
	test_wait_for_file "$HUBLOG.pos" &&
	: >cmdlines && samples=0 &&
	while proc_tree_cmdlines $pid >sample && test -s sample; do
		cat sample >>cmdlines && samples=$((samples + 1)) || return 1
	done &&
	wait $pid &&
	say "$samples samples of the process tree while the gated file was sent" &&
	test $samples -gt 0 &&
	test_grep "pull -q org/gated" cmdlines &&
	test_grep ! "$TOKEN" cmdlines
'

test_expect_success 'offline: a complete cached model is already_exists' '
	rm -rf "$CACHE" &&
	mlxk pull -q org/model &&
	hub_log_reset &&
	HF_HUB_OFFLINE=1 mlxk --json pull org/model >out &&
	json_check out "d[\"data\"][\"download_status\"] == \"already_exists\"" &&
	test_must_be_empty "$HUBLOG"
'

test_expect_success 'offline: something to fetch is a clear error' '
	test_expect_code 1 env HF_HUB_OFFLINE=yes "$MLXK_BIN" pull org/gated 2>err &&
	test_grep "offline mode is on" err &&
	test_expect_code 1 env TRANSFORMERS_OFFLINE=1 "$MLXK_BIN" pull org/gated 2>err &&
	test_grep "offline mode is on" err &&
	test_must_be_empty "$HUBLOG"
'

test_expect_success 'a non-empty HF_HUB_OFFLINE=0 wins over TRANSFORMERS_OFFLINE' '
	test_expect_code 1 env HF_HUB_OFFLINE=0 TRANSFORMERS_OFFLINE=1 "$MLXK_BIN" pull -q org/private 2>err &&
	test_grep "not found" err
'

test_expect_success 'HF_ENDPOINT with a trailing slash works' '
	rm -rf "$CACHE" &&
	HF_ENDPOINT="$HF_ENDPOINT/" mlxk pull -q org/model
'

test_expect_success 'an unreachable endpoint fails with one clear line' '
	test_expect_code 1 env HF_ENDPOINT=http://127.0.0.1:1 "$MLXK_BIN" pull org/other 2>err &&
	test_grep "cannot fetch" err &&
	test_path_is_missing "$CACHE/models--org--other"
'

test_expect_success 'an ambiguous short name is ambiguous_match' '
	make_model org/alpha-one &&
	make_model org/alpha-two &&
	test_expect_code 1 mlxk --json pull alpha >out &&
	json_check out "d[\"error\"][\"type\"] == \"ambiguous_match\"" &&
	json_check out "sorted(d[\"error\"][\"matches\"]) == [\"org/alpha-one\", \"org/alpha-two\"]"
'

test_done
