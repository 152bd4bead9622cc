#!/bin/bash
# list: the human table of MLX-Knife 2.0 (columns, filters, health views).
. "$(dirname "$0")/test-lib.sh"

# A fixed age (> 30 days) so that Modified is a date.
pin() {
	touch -d "2024-01-02T03:04:05Z" "$(repo_dir "$1")/snapshots/$(commit_for "$1")"
}

test_expect_success 'setup' '
	make_model mlx-community/Phi-3-mini-4k-instruct-4bit && pin mlx-community/Phi-3-mini-4k-instruct-4bit &&
	make_model org/pt "" pytorch && pin org/pt &&
	make_model org/vis "" vision && pin org/vis &&
	make_model org/broken "" base &&
	rm "$(repo_dir org/broken)/snapshots/$(commit_for org/broken)/config.json" &&
	pin org/broken &&
	P=$(commit_for mlx-community/Phi-3-mini-4k-instruct-4bit | cut -c1-7) &&
	T=$(commit_for org/pt | cut -c1-7) &&
	V=$(commit_for org/vis | cut -c1-7) &&
	B=$(commit_for org/broken | cut -c1-7) &&
	echo "P=$P T=$T V=$V B=$B" >hashes
'

test_expect_success 'compact table: healthy, runnable models only' '
	. ./hashes &&
	cat >expect <<-EOF &&
	Name                        | Hash    | Size  | Modified   | Src   | Type
	----------------------------+---------+-------+------------+-------+------------
	Phi-3-mini-4k-instruct-4bit | $P | 4.2KB | 2024-01-02 | cache | chat
	org/vis                     | $V | 4.2KB | 2024-01-02 | cache | chat+vision
	2 models, 2 revisions, 8.5KB on disk
	EOF
	mlxk list >out &&
	test_cmp expect out
'

test_expect_success '--all: every model, Clean and Framework columns' '
	. ./hashes &&
	cat >expect <<-EOF &&
	Name                        | Hash    | Size  | Modified   | Src   | Clean | Framework | Type
	----------------------------+---------+-------+------------+-------+-------+-----------+------------
	Phi-3-mini-4k-instruct-4bit | $P | 4.2KB | 2024-01-02 | cache | -     | MLX       | chat
	org/broken                  | $B | 4.1KB | 2024-01-02 | cache | -     | PyTorch   | base
	org/pt                      | $T | 4.2KB | 2024-01-02 | cache | -     | PyTorch   | base
	org/vis                     | $V | 4.2KB | 2024-01-02 | cache | -     | MLX       | chat+vision
	4 models, 4 revisions, 16.7KB on disk
	EOF
	mlxk list --all >out &&
	test_cmp expect out
'

test_expect_success '--all --health: healthy, healthy*, healthy? and unhealthy' '
	. ./hashes &&
	cat >expect <<-EOF &&
	Name                        | Hash    | Size  | Modified   | Src   | Clean | Framework | Type        | Health
	----------------------------+---------+-------+------------+-------+-------+-----------+-------------+----------
	Phi-3-mini-4k-instruct-4bit | $P | 4.2KB | 2024-01-02 | cache | -     | MLX       | chat        | healthy
	org/broken                  | $B | 4.1KB | 2024-01-02 | cache | -     | PyTorch   | base        | unhealthy
	org/pt                      | $T | 4.2KB | 2024-01-02 | cache | -     | PyTorch   | base        | healthy*
	org/vis                     | $V | 4.2KB | 2024-01-02 | cache | -     | MLX       | chat+vision | healthy?
	4 models, 4 revisions, 16.7KB on disk
	EOF
	mlxk list --all --health >out &&
	test_cmp expect out
'

test_expect_success '--health alone keeps the compact columns' '
	. ./hashes &&
	cat >expect <<-EOF &&
	Name                        | Hash    | Size  | Modified   | Src   | Type        | Health
	----------------------------+---------+-------+------------+-------+-------------+---------
	Phi-3-mini-4k-instruct-4bit | $P | 4.2KB | 2024-01-02 | cache | chat        | healthy
	org/vis                     | $V | 4.2KB | 2024-01-02 | cache | chat+vision | healthy?
	2 models, 2 revisions, 8.5KB on disk
	EOF
	mlxk list --health >out &&
	test_cmp expect out
'

test_expect_success '--verbose --health --all: full names, Integrity, Runtime, wrapped Reason' '
	. ./hashes &&
	cat >expect <<-EOF &&
	Name                                      | Hash    | Size  | Modified   | Src   | Clean | Framework | Type        | Integrity | Runtime | Reason
	------------------------------------------+---------+-------+------------+-------+-------+-----------+-------------+-----------+---------+---------------------------
	mlx-community/Phi-3-mini-4k-instruct-4bit | $P | 4.2KB | 2024-01-02 | cache | -     | MLX       | chat        | healthy   | yes     | -
	org/broken                                | $B | 4.1KB | 2024-01-02 | cache | -     | PyTorch   | base        | unhealthy | no      | config.json missing
	org/pt                                    | $T | 4.2KB | 2024-01-02 | cache | -     | PyTorch   | base        | healthy   | no      | Incompatible framework:
	                                          |         |       |            |       |       |           |             |           |         | PyTorch
	org/vis                                   | $V | 4.2KB | 2024-01-02 | cache | -     | MLX       | chat+vision | healthy   | ?       | Needs mlx-vlm: not checked
	4 models, 4 revisions, 16.7KB on disk
	EOF
	mlxk list --all --health --verbose >out &&
	test_cmp expect out
'

test_expect_success 'long reasons are cut at 60 characters' '
	c=$(commit_for org/longreason) &&
	printf "{\"model_type\":\"a-model-type-with-a-really-long-name-nobody-has\",\"quantization\":{\"bits\":4}}" |
		add_file org/longreason $c config.json >/dev/null &&
	head -c 300 /dev/urandom | add_file org/longreason $c model.safetensors --lfs >/dev/null &&
	mlxk list longreason --all --health --verbose >out &&
	sed -n "3,\$p" out | sed "\$d" | sed "s/.* | //" >reason &&
	cat >expect <<-\EOF &&
	Model type
	'"'"'a-model-type-with-a-reall
	y-long-name-nobody-h...
	EOF
	test_cmp expect reason
'

test_expect_success '--verbose without --health keeps mlx-community/' '
	mlxk list --verbose >out &&
	test_grep "^mlx-community/Phi-3-mini-4k-instruct-4bit " out &&
	test_grep "| Framework |" out
'

test_expect_success 'pattern and framework filter the table too' '
	mlxk list vis >out &&
	test_line_count = 4 out &&
	test_grep "^org/vis " out &&
	mlxk list --all --framework pytorch >out &&
	test_line_count = 5 out &&
	test_grep "^org/pt " out &&
	test_grep "^org/broken " out
'

test_expect_success 'nothing to show: empty stdout and a note on stderr' '
	mlxk list nothing-here >out 2>err &&
	test_must_be_empty out &&
	test_grep "no models found" err &&
	mlxk list broken >out 2>err &&
	test_must_be_empty out &&
	test_grep "use --all" err
'

test_expect_success 'relative ages' '
	make_model org/fresh "" base &&
	backdate "$(repo_dir org/fresh)/snapshots/$(commit_for org/fresh)" 7200 &&
	mlxk list fresh >out &&
	test_grep "| 2h ago *|" out
'

test_done
