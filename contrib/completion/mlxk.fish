# fish completion for mlxk. Commands and options come from the installed
# mlxk's own help, model names from 'mlxk --json list --all' of the cache
# the command line names (--cache-dir) or the environment picks.
#
# Install: copy to ~/.config/fish/completions/mlxk.fish (make install puts it
# in $(PREFIX)/share/fish/vendor_completions.d).

function __mlxk_bin
    set -l t (commandline -opc)
    echo $t[1]
end

# The command word: the first argument that is neither an option nor the
# value of --cache-dir.
function __mlxk_cmd
    set -l t (commandline -opc)
    set -l skip 0
    for w in $t[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case --cache-dir
                set skip 1
            case '-*'
            case '*'
                echo $w
                return 0
        end
    end
    return 1
end

function __mlxk_cachedir
    set -l t (commandline -opc)
    set -l n (count $t)
    for i in (seq 2 $n)
        if test "$t[$i]" = --cache-dir; and test $i -lt $n
            set -l j (math $i + 1)
            echo --cache-dir
            echo $t[$j]
        end
    end
end

function __mlxk_commands
    set -l bin (__mlxk_bin)
    $bin help 2>/dev/null | awk '/^commands:$/ { s = 1; next } /^$/ { s = 0 } s && /^  [a-z]/ { print $1 }'
    echo help
end

function __mlxk_options
    set -l bin (__mlxk_bin)
    set -l cmd (__mlxk_cmd)
    begin
        if test -n "$cmd"
            $bin help $cmd
        else
            $bin --help
        end
    end 2>/dev/null | awk '
		/^[^ ].*:$/ { s = ($0 == "options:" || $0 == "global options:"); next }
		s && /^  -/ {
			for (i = 1; i <= NF; i++) { w = $i; sub(/,$/, "", w); if (w !~ /^-/) break; print w }
		}'
    echo --json
end

function __mlxk_models
    set -l bin (__mlxk_bin)
    $bin (__mlxk_cachedir) --json list --all 2>/dev/null | sed -n 's/^ *"name": "\(.*\)",\{0,1\}$/\1/p'
end

function __mlxk_wants_model
    contains -- (__mlxk_cmd) list show health rm pull
end

complete -c mlxk -f
complete -c mlxk -n 'not __mlxk_cmd' -a '(__mlxk_commands)'
complete -c mlxk -n 'string match -q -- "-*" (commandline -ct)' -a '(__mlxk_options)'
complete -c mlxk -n '__fish_seen_subcommand_from help' -a '(__mlxk_commands)'
complete -c mlxk -n __mlxk_wants_model -a '(__mlxk_models)'
complete -c mlxk -l cache-dir -r -F -d 'use DIR as the hub cache'
complete -c mlxk -n '__fish_seen_subcommand_from list health' -l framework -x -a 'mlx gguf pytorch unknown'
complete -c mlxk -n '__fish_seen_subcommand_from list' -l sort -x -a 'name size modified accessed name:asc name:desc size:asc size:desc modified:asc modified:desc accessed:asc accessed:desc'
