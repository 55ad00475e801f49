#!/usr/bin/env bash
# End-to-end: learning-rate schedules and Keras' callbacks on a small real MNIST run (the MLP of
# examples/mlp.mnn on 6,000 training images, 60 steps an epoch). Expected values are worked out
# here from Keras 3's rules, independently of graphc: reduce_lr_on_plateau's rate each epoch,
# early stopping's restored weights (the final test line equals the best epoch's val_ line, as
# validation = test uses the same evaluation), save_best_only's file (evaluates to the best
# epoch's val_loss), and a run resumed from a checkpoint with a schedule and a plateau in the
# middle ends with the bytes of one uninterrupted run.
set -euo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# model NAME OPTIMIZER VALIDATION CALLBACK-LINES...: the MLP with that train block.
model() {
  local name="$1" optimizer="$2" validation="$3"; shift 3
  sed -e "s/^model mlp$/model $name/" -e "s/optimizer  = adam()/optimizer = $optimizer/" \
    -e "s/validation = split(0.1)/validation = $validation/" -e '/early_stopping/d' -e 's/epochs     = 20/epochs = 5/' \
    "$src/examples/mlp.mnn" > "$work/$name.mnn"
  grep -q "optimizer = $optimizer" "$work/$name.mnn" || fail "could not derive $name"
  for line in "$@"; do sed -i "s|^}$|  $line\n}|" "$work/$name.mnn"; done
}
# The history's field as one line per epoch.
field() { grep -o "\"$2\": [0-9.e+-]*" "$1" | sed 's/.*: //'; }

# 1. reduce_lr_on_plateau: min_delta 10 means no epoch after the first improves. patience 1,
# cooldown 2: epoch 2 reduces (0.1 -> 0.05) and starts the cooldown, epoch 3 is in it, epoch 4
# reduces again (0.025, raised to min_lr 0.03). The reported rate is that of the epoch's last step.
model plateau "sgd(lr = 0.1)" "split(0.9)" \
  "reduce_lr_on_plateau = {monitor: val_loss, factor: 0.5, patience: 1, min_delta: 10, cooldown: 2, min_lr: 0.03}"
"$graphc" run "$work/plateau.mnn" --metrics-json "$work/plateau.json" > "$work/plateau.out"
got="$(field "$work/plateau.json" lr | tr '\n' ' ')"
want="$(printf '%s ' 0.1000000000 0.1000000000 0.05000000000 0.05000000000 0.03000000000)"
[ "$(printf '%.6f ' $got)" = "$(printf '%.6f ' $want)" ] || fail "plateau rates per epoch: got '$got', want '$want'"
[ "$(grep -c 'ReduceLROnPlateau reducing learning rate' "$work/plateau.out")" = 2 ] &&
  grep -q '^Epoch 2: ReduceLROnPlateau reducing learning rate to 0.05' "$work/plateau.out" &&
  grep -q '^Epoch 4: ReduceLROnPlateau reducing learning rate to 0.03' "$work/plateau.out" ||
  fail "plateau messages: $(grep ReduceLR "$work/plateau.out")"
grep -q '^Epoch 5/5 .* - lr: 0.03000$' "$work/plateau.out" || fail "the epoch line lacks the rate: $(grep '^Epoch 5/5' "$work/plateau.out")"
echo "ok: reduce_lr_on_plateau rates $got"

# 2. early_stopping with min_delta 10: epoch 1 is the best; patience 2 stops after epoch 3 and
# restore_best_weights brings back epoch 1's weights, so the test line repeats its val_ values.
model stop "sgd(lr = 0.1)" test \
  "early_stopping = {monitor: val_accuracy, mode: max, min_delta: 10, patience: 2, restore_best_weights: true}"
"$graphc" run "$work/stop.mnn" > "$work/stop.out"
grep -q '^Early stopping: val_accuracy did not improve for 2 epochs' "$work/stop.out" || fail "no early stop: $(cat "$work/stop.out")"
[ "$(grep -c '^Epoch [0-9]/5' "$work/stop.out")" = 3 ] || fail "early stopping ran $(grep -c '^Epoch' "$work/stop.out") epochs, not 3"
grep -q '^Restoring model weights from the end of the best epoch: 1\.' "$work/stop.out" || fail "no restore message"
first="$(grep '^Epoch 1/5' "$work/stop.out" | sed 's/.* - val_loss: \([0-9.]*\) - val_acc: \([0-9.]*\).*/\1 \2/')"
final="$(sed -n 's/^test_loss: \([0-9.]*\) - test_accuracy: \([0-9.]*\)$/\1 \2/p' "$work/stop.out")"
last="$(grep '^Epoch 3/5' "$work/stop.out" | sed 's/.* - val_loss: \([0-9.]*\) - val_acc: \([0-9.]*\).*/\1 \2/')"
[ "$first" = "$final" ] && [ "$last" != "$final" ] || fail "restored weights: epoch 1 '$first', epoch 3 '$last', test '$final'"
echo "ok: early stopping restored epoch 1: $final"

# 3. checkpoint with save_best_only: written when val_loss improves; the file evaluates to the
# smallest val_loss of the run.
model best "sgd(lr = 0.5)" test "checkpoint = {path: \"$work/best.safetensors\", monitor: val_loss, save_best_only: true}"
"$graphc" run "$work/best.mnn" > "$work/best.out"
min_val="$(sed -n 's/^Epoch [0-9]\/5 .* - val_loss: \([0-9.]*\) .*/\1/p' "$work/best.out" | sort -g | head -1)"
improved="$(sed -n 's/^Epoch [0-9]\/5 .* - val_loss: \([0-9.]*\) .*/\1/p' "$work/best.out" |
  awk 'NR == 1 || $1 < best { best = $1; n++ } END { print n }')"
[ "$(grep -c "improved from .* saving the model to $work/best.safetensors" "$work/best.out")" = "$improved" ] ||
  fail "save_best_only saved $(grep -c 'saving the model' "$work/best.out") times, val_loss improved $improved times"
"$graphc" eval "$work/best.mnn" --load "$work/best.safetensors" > "$work/best_eval.out"
grep -q "^test_loss: $min_val " "$work/best_eval.out" || fail "the best checkpoint evaluates to '$(cat "$work/best_eval.out")', the best val_loss was $min_val"
echo "ok: save_best_only kept the epoch with val_loss $min_val ($improved saves)"

# 4. Resuming with a schedule and a plateau: 2 epochs saved, then the same command to 5 epochs,
# ends with the bytes of 5 epochs in one run (the step count and the plateau's state come back).
model resume "adamw(lr = exponential_decay(0.01, 50, 0.5), clipnorm = 1)" "split(0.9)" \
  "reduce_lr_on_plateau = {monitor: val_loss, factor: 0.5, patience: 1, min_delta: 10}"
"$graphc" run "$work/resume.mnn" --epochs 2 --save "$work/half.st" > /dev/null
"$graphc" run "$work/resume.mnn" --epochs 5 --load "$work/half.st" --save "$work/resumed.st" > "$work/resumed.out"
"$graphc" run "$work/resume.mnn" --epochs 5 --save "$work/straight.st" > "$work/straight.out"
cmp -s "$work/resumed.st" "$work/straight.st" || fail "2 + 3 resumed epochs differ from 5 epochs in one run"
[ "$(grep '^Epoch 5/5' "$work/resumed.out" | sed 's/ - [0-9.]*s - / /')" = \
  "$(grep '^Epoch 5/5' "$work/straight.out" | sed 's/ - [0-9.]*s - / /')" ] || fail "the resumed epoch 5 line differs"
echo "ok: a resumed run with a schedule and a plateau is bit-identical"
