#!/bin/bash
# Shell completions (contrib/completion/): bash's completion function driven
# with COMP_WORDS/COMP_CWORD and through a real interactive bash on a
# terminal; zsh and fish scripts at least parse.
. "$(dirname "$0")/test-lib.sh"

COMPL="$TEST_DIRECTORY/../contrib/completion"

# complete WORD...: the candidates bash's completion offers for the command
# line "mlxk WORD..." with the cursor at the end of the last word, sorted.
complete_words() {
	bash --norc --noprofile -c '
		. "$1" || exit 1
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="${COMP_WORDS[*]}"
		COMP_POINT=${#COMP_LINE}
		_mlxk mlxk "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		test ${#COMPREPLY[@]} -eq 0 || printf "%s\n" "${COMPREPLY[@]}"' _ "$COMPL/mlxk.bash" "$MLXK_BIN" "$@" | sort
}

test_expect_success 'setup: two caches' '
	make_model org/alpha &&
	make_model org/beta &&
	make_model mlx-community/Qwen3-4B-4bit &&
	CACHE="$TRASH/other" make_model other/gamma &&
	mkdir -p bin && ln -s "$MLXK_BIN" bin/mlxk
'

test_expect_success 'the script registers _mlxk for mlxk in an interactive bash' '
	bash --norc --noprofile -i -c ". \"$COMPL/mlxk.bash\" && complete -p mlxk" >out 2>/dev/null &&
	test_grep "^complete -F _mlxk mlxk$" out
'

test_expect_success 'the first word completes to the commands and help' '
	complete_words "" >out &&
	printf "%s\n" clean-locks health help list prune pull rm show >expect &&
	test_cmp expect out
'

test_expect_success 'a prefix completes to the commands it starts' '
	complete_words p >out &&
	printf "%s\n" prune pull >expect &&
	test_cmp expect out
'

test_expect_success 'global options come before the command' '
	complete_words --c >out &&
	printf "%s\n" --cache-dir >expect &&
	test_cmp expect out
'

test_expect_success 'options are those of the command (rm)' '
	complete_words rm -- >out &&
	printf "%s\n" --dry-run --force --json >expect &&
	test_cmp expect out
'

test_expect_success 'options are those of the command (clean-locks, pull)' '
	complete_words clean-locks --o >out &&
	printf "%s\n" --older-than >expect &&
	test_cmp expect out &&
	complete_words pull --inc >out &&
	printf "%s\n" --include >expect &&
	test_cmp expect out &&
	complete_words pull -j >out &&
	printf "%s\n" -j >expect &&
	test_cmp expect out
'

test_expect_success 'the options are read from the help of the binary' '
	"$MLXK_BIN" help health >help &&
	for o in $(complete_words health --); do
		grep -q -e "^  $o\\b" -e "^  -., $o\\b" help || { echo "not in help: $o"; exit 1; }
	done
'

test_expect_success '--framework completes its values' '
	complete_words list --framework g >out &&
	printf "%s\n" gguf >expect &&
	test_cmp expect out &&
	complete_words list --framework "" >out &&
	printf "%s\n" gguf mlx pytorch unknown >expect &&
	test_cmp expect out
'

test_expect_success 'an option that takes a value offers no model names' '
	complete_words clean-locks --older-than "" >out &&
	test_must_be_empty out &&
	complete_words pull --include "" >out &&
	test_must_be_empty out
'

test_expect_success 'model names come from the cache' '
	complete_words show "" >out &&
	printf "%s\n" mlx-community/Qwen3-4B-4bit org/alpha org/beta >expect &&
	test_cmp expect out &&
	complete_words rm org/ >out &&
	printf "%s\n" org/alpha org/beta >expect &&
	test_cmp expect out &&
	complete_words --json health org/b >out &&
	printf "%s\n" org/beta >expect &&
	test_cmp expect out
'

test_expect_success 'model names follow --cache-dir and HF_HUB_CACHE' '
	complete_words --cache-dir "$TRASH/other" show "" >out &&
	printf "%s\n" other/gamma >expect &&
	test_cmp expect out &&
	complete_words rm --cache-dir "$TRASH/other" "" >out &&
	test_cmp expect out &&
	HF_HUB_CACHE="$TRASH/other" complete_words list o >out &&
	test_cmp expect out
'

test_expect_success 'an empty or missing cache offers no names and no error' '
	complete_words --cache-dir "$TRASH/none" show "" >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err
'

test_expect_success 'help completes command names' '
	complete_words help c >out &&
	printf "%s\n" clean-locks >expect &&
	test_cmp expect out
'

test_expect_success '--cache-dir completes directories' '
	mkdir -p dirs/cache1 dirs/cache2 && : >dirs/file &&
	complete_words --cache-dir dirs/ >out &&
	printf "%s\n" dirs/cache1 dirs/cache2 >expect &&
	test_cmp expect out
'

. "$TEST_DIRECTORY/lib/tty.sh"

test_expect_success 'Tab in an interactive bash on a terminal' '
	tty_finish &&
	TTY_SOCK="$TRASH/tmux.bash.sock" &&
	tmux -S "$TTY_SOCK" new-session -d -x 120 -y 40 \
		"env -i HOME=\"$HOME\" HF_HUB_CACHE=\"$CACHE\" TERM=xterm PATH=\"$TRASH/bin:/usr/bin:/bin\" PS1=\"$ \" bash --norc --noprofile -i" &&
	tty_keys ". \"$COMPL/mlxk.bash\"" Enter &&
	tty_keys "echo ready" Enter &&
	tty_wait "^ready" &&
	tty_keys "mlxk sh" Tab &&
	tty_keys "org/al" Tab &&
	tty_wait "mlxk show org/alpha" &&
	tty_finish
'

test_expect_success_if 'command -v zsh' 'the zsh script parses and reads the help' '
	zsh -n "$COMPL/_mlxk" &&
	zsh -c "source \"$COMPL/_mlxk\" 2>/dev/null; _mlxk_options \"$MLXK_BIN\" rm" >out &&
	printf "%s\n" -f --force --dry-run --json >expect &&
	test_cmp expect out
'

test_expect_success_if 'command -v fish' 'fish completes commands, options and models' '
	fish -n "$COMPL/mlxk.fish" &&
	PATH="$TRASH/bin:$PATH" fish -c "source \"$COMPL/mlxk.fish\"; complete -C\"mlxk p\"" >out &&
	printf "%s\n" prune pull >expect &&
	test_cmp expect out &&
	PATH="$TRASH/bin:$PATH" fish -c "source \"$COMPL/mlxk.fish\"; complete -C\"mlxk show org/\"" >out &&
	printf "%s\n" org/alpha org/beta >expect &&
	test_cmp expect out
'

tty_finish
test_done
