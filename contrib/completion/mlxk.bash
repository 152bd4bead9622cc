# bash completion for mlxk                                  -*- shell-script -*-
#
# Commands and options are read from the installed mlxk's own help
# ('mlxk help', 'mlxk help COMMAND'), so the completion always matches the
# binary; model names come from 'mlxk --json list --all' of the cache the
# command line names (--cache-dir) or the environment picks.
#
# Install: copy to /usr/share/bash-completion/completions/mlxk (make install
# does), or source it from ~/.bashrc.

# _mlxk_commands BIN: the command names of 'BIN help'.
_mlxk_commands() {
	local line sec=
	"$1" help 2>/dev/null | while IFS= read -r line; do
		case $line in
		commands:) sec=1 ;;
		"") sec= ;;
		"  "[a-z]*) test -n "$sec" && set -- $line && printf '%s\n' "$1" ;;
		esac
	done
	echo help
}

# _mlxk_options BIN [COMMAND]: the options of the "options:" section of
# 'BIN help COMMAND' (or the global ones), one a line; an option that takes
# a value is followed by "=" (for example "--framework=").
_mlxk_options() {
	local bin=$1 cmd=$2 line sec= w names
	{ if test -n "$cmd"; then "$bin" help "$cmd"; else "$bin" --help; fi; } 2>/dev/null |
		while IFS= read -r line; do
			case $line in
			" "* | "") ;;
			options: | "global options:") sec=1; continue ;;
			*:) sec= ;;
			esac
			test -n "$sec" || continue
			case $line in
			"  -"*) ;;
			*) continue ;;
			esac
			# "  -f, --force  text", "  --sort KEY  text", "  -j, --jobs N  text":
			# the names, then an upper-case value name if the option takes one.
			set -f
			set -- $line
			set +f
			names=
			while test $# -gt 0; do
				w=${1%,}
				case $w in
				-*) names="$names $w" ;;
				*) break ;;
				esac
				shift
			done
			for w in $names; do
				case $1 in
				[A-Z]*) printf '%s=\n' "$w" ;;
				*) printf '%s\n' "$w" ;;
				esac
			done
		done
}

# _mlxk_models BIN [--cache-dir DIR]: names of the cached models.
_mlxk_models() {
	local bin=$1
	shift
	"$bin" "$@" --json list --all 2>/dev/null |
		sed -n 's/^ *"name": "\(.*\)",\{0,1\}$/\1/p'
}

_mlxk() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev= bin=${COMP_WORDS[0]}
	local i w cmd= cmdidx=0 cachedir=()
	test "$COMP_CWORD" -gt 0 && prev=${COMP_WORDS[COMP_CWORD - 1]}
	case $bin in
	"~"/*) bin=$HOME/${bin#"~"/} ;;
	esac

	# The command is the first word that is neither a global option nor
	# the value of --cache-dir.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--cache-dir)
			((i++))
			cachedir=(--cache-dir "${COMP_WORDS[i]}")
			;;
		--cache-dir=*) cachedir=(--cache-dir "${w#--cache-dir=}") ;;
		-*) ;;
		*)
			if test -z "$cmd"; then
				cmd=$w
				cmdidx=$i
			fi
			;;
		esac
	done
	for ((i = cmdidx + 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--cache-dir) cachedir=(--cache-dir "${COMP_WORDS[i + 1]}") ;;
		esac
	done

	# Values of options.
	case $prev in
	--cache-dir)
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	--framework)
		COMPREPLY=($(compgen -W "mlx gguf pytorch unknown" -- "$cur"))
		return
		;;
	--sort)
		COMPREPLY=($(compgen -W "name size modified accessed name:asc name:desc size:asc size:desc modified:asc modified:desc accessed:asc accessed:desc" -- "$cur"))
		return
		;;
	esac
	if test "${prev#-}" != "$prev"; then
		# Any other option that takes a value (from the help's "--opt ARG"):
		# no candidates, so nothing wrong is offered.
		local o
		for o in $(_mlxk_options "$bin" "$cmd"); do
			if test "$o" = "$prev="; then
				COMPREPLY=()
				return
			fi
		done
	fi

	if test -z "$cmd"; then
		if test "${cur#-}" != "$cur"; then
			COMPREPLY=($(compgen -W "$(_mlxk_options "$bin" | tr -d =)" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_mlxk_commands "$bin")" -- "$cur"))
		fi
		return
	fi

	if test "${cur#-}" != "$cur"; then
		COMPREPLY=($(compgen -W "$({ _mlxk_options "$bin" "$cmd" | tr -d =; echo --json; } | sort -u)" -- "$cur"))
		return
	fi

	case $cmd in
	help)
		test "$COMP_CWORD" -eq $((cmdidx + 1)) &&
			COMPREPLY=($(compgen -W "$(_mlxk_commands "$bin")" -- "$cur"))
		;;
	list | show | health | rm | pull)
		local IFS=$'\n'
		COMPREPLY=($(compgen -W "$(_mlxk_models "$bin" "${cachedir[@]}")" -- "$cur"))
		;;
	esac
}

complete -F _mlxk mlxk
