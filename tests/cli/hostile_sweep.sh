#!/bin/bash
# Hostile-input sweep of bfedge generate|inspect|perplexity|bench|mcu (issue 8): ~460 cases, each
# flagged when it crashes or hangs (rc >= 124), fails messily (stdout output or not exactly one
# stderr line) or succeeds with nan/inf/<unk> on stdout. Usage: tests/cli/hostile_sweep.sh
# [bfedge binary] [shared dir]; prints one line per case and "cases=N flagged=M" last.
cd "$(dirname "$0")/../.."
B=${1:-build/release/tools/cli/bfedge}; SHARED=${2:-../shared}; S=$SHARED/models; M=$S/stories260K.bin; Z=$S/tok512.bin
IDS=$SHARED/golden/greedy_once_upon_a_time_n256.ids
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
vals_int=("" " " "0" "-1" "-0" "1e3" "0x10" "1.5" "abc" "99999999999" "-99999999999" "18446744073709551616" "+3" " 3" "3 " "2147483648" "nan" "inf")
vals_real=("" " " "-1" "-0" "nan" "-nan" "inf" "-inf" "1e39" "1e-38" "1e-45" "1e-50" "0x1p3" "abc" "1,5" "+1" ".5" "5." "1e400")
n=0; bad=0
check() { # args...
  n=$((n+1))
  timeout 30 "$@" >$T/o 2>$T/e; rc=$?
  lines=$(wc -l <$T/e)
  verdict=ok
  if [ $rc -ge 124 ]; then verdict=CRASH_OR_HANG; 
  elif [ $rc -ne 0 ] && { [ -s $T/o ] || [ "$lines" != 1 ]; }; then verdict=MESSY;
  elif [ $rc -eq 0 ] && grep -qaE "nan|inf|<unk>" $T/o; then verdict=SUSPECT_OUTPUT; fi
  [ $verdict != ok ] && bad=$((bad+1))
  printf '%s rc=%d %q | %s\n' "$verdict" $rc "${*:2}" "$(head -c 200 $T/e | tr '\n' '|')"
}
G=($B generate -m $M -z $Z -t 0 -n 8)
for opt in --threads -n --steps --seed -s; do for v in "${vals_int[@]}"; do check "${G[@]}" $opt "$v"; done; done
for opt in --temperature -t --topp -p; do for v in "${vals_real[@]}"; do check "${G[@]}" $opt "$v"; done; done
for v in "" "x" "fp16" "BF16"; do check "${G[@]}" --dtype "$v"; done
for v in "" "/" "/dev/null" "/dev/zero" "/nonexistent" "$Z"; do check "${G[@]}" --model "$v"; check "${G[@]}" --tokenizer "$v"; done
for v in "" "$(head -c 3000 /dev/zero | tr '\0' 'a')" $'\xff\xfe' $'a\nb' "<s>" "</s>" "<0x41>"; do check "${G[@]}" --prompt "$v"; done
check "${G[@]}" extra; check "${G[@]}" --unknown; check "${G[@]}" -n; check "${G[@]}" --threads 
P=($B perplexity -m $M -z $Z --ids $IDS)
for v in "${vals_int[@]}"; do check "${P[@]}" --threads "$v"; done
for v in "" "x" "f16"; do check "${P[@]}" --compare "$v"; done
for v in "" "/" "/dev/null" "/nonexistent" "$M"; do check "${P[@]}" --ids "$v"; done
check $B inspect ""; check $B inspect /; check $B inspect a b; check $B inspect --json; check $B inspect $M --json=x
BM=($B bench mhsa --seq 4 --embed 8 --heads 2 --repeat 1)
for opt in --seq --embed --heads --threads --repeat --l1-budget; do for v in "${vals_int[@]}"; do check "${BM[@]}" $opt "$v"; done; done
BG=($B bench gemm --m 4 --n 4 --k 4 --repeat 1)
for opt in --m --n --k --threads --repeat; do for v in "${vals_int[@]}"; do check "${BG[@]}" $opt "$v"; done; done
check $B bench; check $B bench foo; check $B bench mhsa foo; check $B bench mhsa --embed 12 --heads 5
check $B bench mhsa --l1-budget 1 --seq 4 --embed 8 --heads 2
check $B; check $B foo; check $B --foo; check $B ""; check $B -- generate; check $B generate; check $B perplexity
for isa in "" reference portable avx2 avx512bf16 REFERENCE foo " avx2"; do
  check env BFEDGE_ISA="$isa" "${BM[@]}"; check env BFEDGE_ISA="$isa" "${BG[@]}"; check env BFEDGE_ISA="$isa" "${G[@]}"; done
# bfedge mcu: options, files, environment (small shapes: each valid case is one short QEMU run).
MB=($B mcu bench mhsa --seq 4 --embed 8 --heads 2)
for opt in --seq --embed --heads --cores --l1-kib --seed; do for v in "${vals_int[@]}"; do check "${MB[@]}" $opt "$v"; done; done
MG=($B mcu generate -m $M -z $Z -n 6)
for opt in -n --steps --cores; do for v in "${vals_int[@]}"; do check "${MG[@]}" $opt "$v"; done; done
for v in "" "/" "/dev/null" "/dev/zero" "/nonexistent" "$Z"; do check "${MG[@]}" --model "$v"; check "${MG[@]}" --tokenizer "$v"; done
for v in "" "$(head -c 100000 /dev/zero | tr '\0' 'a')" $'\xff\xfe' "<0x41>"; do check "${MG[@]}" --prompt "$v"; done
check "${MG[@]}" --dtype f32; check "${MG[@]}" --threads 2; check $B mcu; check $B mcu foo; check $B mcu bench foo
for v in "" abc 0 -1 1.5 99999999999 "5; touch $T/pwned" '$(touch '$T'/pwned)'; do check env BFEDGE_MCU_TIMEOUT="$v" "${MB[@]}"; done
for v in "x" ",pc=a:1" '$(touch '$T'/pwned)' ",out=/tmp/x"; do check env BFEDGE_MCU_PLUGIN_EXTRA="$v" "${MB[@]}"; done
for var in BFEDGE_QEMU_RV32 BFEDGE_MCU_FIRMWARE BFEDGE_MCU_PLUGIN BFEDGE_MCU_KEEP_DIR; do
  for v in "/nonexistent" "/bin/true" "/etc/hostname" "x; touch $T/pwned"; do check env $var="$v" "${MB[@]}"; done; done
check env TMPDIR=/nonexistent "${MB[@]}"
[ -e $T/pwned ] && { echo "SHELL_INJECTION: a variable reached a shell"; bad=$((bad+1)); }
echo "cases=$n flagged=$bad"
